"""Zensical canary: build the portal with Zensical (Material's successor) and report what differs.

    python benchmarks/zensical_smoke.py [--registry DIR] [--venv DIR] [--keep DIR]

Zensical reads mkdocs.yml but ignores `hooks:`, so it gets the generated pages the engine-neutral
way: `knowhow.site.assemble` writes them, with the hand-written pages, into a staging folder, and a
copy of mkdocs.yml points at it. The same staging folder is also built with MkDocs (without the
hook) as the reference. Zensical is installed into a throwaway virtual environment, never into
the project's: the newest release first, then older ones until one installs (0.0.74 and every
0.1.x need a `zensical-ui` package that the package index used here does not serve, so 0.0.73 is
what runs here); the report names the version that ran and the ones that would not install.

Prints: versions, build times and exit codes, page counts, pages only one engine produced, and
per-page checks (title, JSON-LD, edit link, search exclusion). Exits 0 whatever differs (a canary
must not block CI); exits 2 only if the staging step itself fails.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RECORD_KINDS = ("software", "events", "collaborations", "open_data", "facilities")


TRY_AT_MOST = 8  # releases tried, newest first, before giving up


def releases(pip: Path) -> list[str]:
    """Zensical releases the package index offers, newest first (empty if it cannot say)."""
    done = subprocess.run([str(pip), "index", "versions", "zensical"], capture_output=True, text=True)
    m = re.search(r"Available versions:\s*(.+)", done.stdout)
    return [v.strip() for v in m.group(1).split(",")] if m else []


def zensical_venv(path: Path | None) -> tuple[Path, list[str]]:
    """A virtual environment with the newest zensical that installs (in a temporary folder unless
    given), plus the releases that were tried and failed to install."""
    venv = path or Path(tempfile.mkdtemp(prefix="zensical-venv-"))
    exe, pip = venv / "bin" / "zensical", venv / "bin" / "pip"
    failed: list[str] = []
    if exe.exists():
        return venv, failed
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    for version in (releases(pip) or [""])[:TRY_AT_MOST]:
        spec = f"zensical=={version}" if version else "zensical"
        done = subprocess.run([str(pip), "install", "-q", spec], capture_output=True, text=True)
        if done.returncode == 0 and exe.exists():
            break
        reason = [x for x in done.stderr.splitlines() if x.startswith("ERROR")][:1]
        failed.append(f"{version or 'newest'} ({reason[0].removeprefix('ERROR: ') if reason else 'install failed'})")
    return venv, failed


def stage(registry: Path, out: Path) -> Path:
    """Generated + hand-written pages in out/docs, and out/mkdocs.yml without the hook."""
    from knowhow.site.assemble import assemble, write_staging

    _, files = assemble(registry, ROOT)
    write_staging(files, ROOT / "site_src", out / "docs")
    shutil.copytree(ROOT / "site_src" / "overrides", out / "overrides", dirs_exist_ok=True)
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config.pop("hooks", None)
    # Paths relative to the config file (Zensical 0.0.73 panics on an absolute docs_dir).
    config["docs_dir"] = "docs"
    config["site_dir"] = "site-mkdocs"
    config["theme"]["custom_dir"] = "overrides"
    config.pop("exclude_docs", None)  # overrides are not copied into the staging folder
    path = out / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def run(cmd: list[str], cwd: Path) -> tuple[int, float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return done.returncode, time.perf_counter() - t0, done.stdout + done.stderr


def pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")} if site.is_dir() else set()


def page_facts(html: str) -> dict:
    title = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
    lds = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    ok = True
    for ld in lds:
        try:
            json.loads(ld)
        except ValueError:
            ok = False
    return {"title": title.group(1).strip() if title else None, "json-ld": len(lds), "json-ld parses": ok,
            "edit link": "/edit/main/registry/" in html, "edit button": 'rel="edit"' in html,
            "facets form": 'class="kh-facets"' in html, "event handlers": len(re.findall(r"\son\w+=", html))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=Path, default=ROOT / "registry")
    parser.add_argument("--venv", type=Path, help="reuse (or create) the zensical virtual environment here")
    parser.add_argument("--keep", type=Path, help="keep the staging folder and both sites here")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="zensical-smoke-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        config = stage(args.registry, work)
    except Exception as exc:  # noqa: BLE001 - report, do not hide
        print(f"staging failed: {exc}")
        return 2
    venv, failed = zensical_venv(args.venv)
    for line in failed:
        print(f"zensical {line}: did not install")
    zensical = venv / "bin" / "zensical"
    if not zensical.exists():
        print("no zensical release installs here; nothing to compare")
        return 0
    version = subprocess.run([str(zensical), "--version"], capture_output=True, text=True).stdout.strip()
    print(f"zensical that ran: {version}; mkdocs reference built from the same staging folder ({work})")

    ref_code, ref_s, ref_log = run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config)],
                                   work)
    zcfg = yaml.safe_load(config.read_text(encoding="utf-8"))
    zcfg["site_dir"] = "site-zensical"
    (work / "zensical.yml").write_text(yaml.safe_dump(zcfg, sort_keys=False), encoding="utf-8")
    z_code, z_s, z_log = run([str(zensical), "build", "--strict", "-f", str(work / "zensical.yml")], work)
    if z_code != 0:
        _, z_s, z_log_loose = run([str(zensical), "build", "-f", str(work / "zensical.yml")], work)
        z_log += "\n--- without --strict ---\n" + z_log_loose
    print(f"mkdocs   (no hook): exit {ref_code}, {ref_s:.1f} s")
    print(f"zensical          : exit {z_code}{' (strict)' if z_code == 0 else ' with --strict'}, {z_s:.1f} s")
    for line in [x for x in z_log.splitlines() if x.strip()][-25:]:
        print(f"  zensical| {line}")
    if ref_code != 0:
        for line in ref_log.splitlines()[-10:]:
            print(f"  mkdocs| {line}")

    a, b = pages(work / "site-mkdocs"), pages(work / "site-zensical")
    print(f"\npages: mkdocs {len(a)}, zensical {len(b)}, in both {len(a & b)}")
    for name, only in (("only mkdocs", sorted(a - b)), ("only zensical", sorted(b - a))):
        if only:
            print(f"  {name} ({len(only)}): {', '.join(only[:12])}{' …' if len(only) > 12 else ''}")
    found = {}
    for search, key in (("search/search_index.json", "docs"), ("search.json", "items")):
        for label, site in (("mkdocs", work / "site-mkdocs"), ("zensical", work / "site-zensical")):
            if (site / search).is_file():
                entries = json.loads((site / search).read_text(encoding="utf-8")).get(key, [])
                found[label] = {e["location"] for e in entries}
                longest = max((len(e.get("text", "")) for e in entries if e["location"].split("/")[0] in RECORD_KINDS
                               and e["location"].count("/") == 2), default=0)
                print(f"  search index {label}: {search} {(site / search).stat().st_size / 1e6:.2f} MB, "
                      f"{len(entries)} entries, longest record text {longest} characters")
    if len(found) == 2:
        only_m, only_z = found["mkdocs"] - found["zensical"], found["zensical"] - found["mkdocs"]
        print(f"  search entries only mkdocs: {len(only_m)}, only zensical: {len(only_z)} "
              f"{sorted(only_m | only_z)[:8]}")
    home = work / "site-zensical" / "index.html"
    if home.is_file():
        html = home.read_text(encoding="utf-8")
        named = "aria-label=" in html.split('class="md-search"')[-1][:200]
        widget = 'data-md-component="source"' in html
        sheet = re.search(r'assets/stylesheets/[^"]+', html)
        print(f"  zensical honours the overrides: search dialog named {named}, GitHub API widget {widget}; "
              f"theme stylesheet {sheet.group(0) if sheet else '?'}")

    samples = ["index.html", "software/index.html"] + sorted(
        p for p in a & b if p.count("/") == 2 and p.split("/")[0] in ("software", "events", "facilities"))[:3]
    print("\nper-page checks (mkdocs | zensical):")
    for rel in samples:
        fa = page_facts((work / "site-mkdocs" / rel).read_text(encoding="utf-8")) if rel in a else {}
        fb = page_facts((work / "site-zensical" / rel).read_text(encoding="utf-8")) if rel in b else {}
        diffs = [f"{k}: {fa.get(k)!r} | {fb.get(k)!r}" for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)]
        print(f"  {rel}: {'same' if not diffs else '; '.join(diffs)}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        if not args.venv:
            shutil.rmtree(venv, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
