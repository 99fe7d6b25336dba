"""Results as data: `results.json` (with a JSON Schema) and a Frictionless data package (CSV).

One column list defines the CSV, the Frictionless table schema and the JSON Schema, so the
three cannot disagree. Keys are sorted and floats rounded to 5 significant digits, so a file
changes only when a number does.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from ..registry.yamlio import write_atomic

FORMAT = "knowhow-bench-results"
VERSION = 1
STATUSES = ("ok", "stored-raw", "failed", "skipped")

# name, type, unit, description
COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("dataset", "string", "", "dataset name (generated sample, or file:path for a user's file)"),
    ("kind", "string", "", "data kind, used to group results and recommendations"),
    ("codec", "string", "", "codec configuration name (stable)"),
    ("variant", "string", "", "suite dimension: 'reference' ( 1 thread, filter pipeline, the sample's chunks), "
     "'threads=N', 'direct' (write_direct_chunk / read_direct_chunk + the codec's Python library), 'chunk=K' "
     "(K frames per chunk) or 'tile=T' (T×T tiles)"),
    ("threads", "integer", "", "codec threads (BLOSC_NTHREADS) of a threads variant"),
    ("chunks_used", "string", "", "chunk shape of the measurement"),
    ("frame_read_ms", "number", "ms", "read one frame from the middle, no chunk cache (median)"),
    ("roi_read_ms", "number", "ms", "read a 64×64 region of one frame, no chunk cache (median)"),
    ("status", "string", "", "ok, stored-raw (filter not applied), failed, or skipped (not applicable)"),
    ("reason", "string", "", "why skipped or failed, or a note on a partial result"),
    ("ratio", "number", "", "raw bytes / stored bytes"),
    ("bits_per_value", "number", "bit", "stored bits per value (container-independent)"),
    ("bound", "number", "", "entropy bound on the ratio (lossless, or lossy at the error bound)"),
    ("bound_fraction", "number", "", "ratio / bound"),
    ("raw_bytes", "integer", "B", "uncompressed size"),
    ("stored_bytes", "integer", "B", "HDF5 storage size"),
    ("chunks_total", "integer", "", "number of chunks"),
    ("chunks_raw", "integer", "", "chunks HDF5 stored uncompressed (filter mask set)"),
    ("write_mbps", "number", "MB/s", "write speed, median over repetitions (10^6 B raw per s)"),
    ("write_mbps_min", "number", "MB/s", "slowest repetition"),
    ("write_mbps_max", "number", "MB/s", "fastest repetition"),
    ("read_mbps", "number", "MB/s", "read speed, median"),
    ("read_mbps_min", "number", "MB/s", "slowest repetition"),
    ("read_mbps_max", "number", "MB/s", "fastest repetition"),
    ("write_mb_per_cpu_s", "number", "MB/CPU-s", "raw MB per CPU-second of the writing process (stable under load)"),
    ("read_mb_per_cpu_s", "number", "MB/CPU-s", "raw MB per CPU-second of the reading process"),
    ("write_mb_per_cpu_s_min", "number", "MB/CPU-s", "write MB per CPU-second, slowest repetition"),
    ("write_mb_per_cpu_s_max", "number", "MB/CPU-s", "write MB per CPU-second, fastest repetition"),
    ("read_mb_per_cpu_s_min", "number", "MB/CPU-s", "read MB per CPU-second, slowest repetition"),
    ("read_mb_per_cpu_s_max", "number", "MB/CPU-s", "read MB per CPU-second, fastest repetition"),
    ("write_cpu_s", "number", "s", "CPU time of one write, median"),
    ("read_cpu_s", "number", "s", "CPU time of one read, median"),
    ("write_wall_s", "number", "s", "wall time of one write, median"),
    ("read_wall_s", "number", "s", "wall time of one read, median"),
    ("write_vs_chunked", "number", "", "write MB/CPU-s / same for uncompressed chunked HDF5 (same run)"),
    ("read_vs_chunked", "number", "", "read MB/CPU-s / same for uncompressed chunked HDF5"),
    ("write_vs_memcpy", "number", "", "write MB/CPU-s / memcpy MB/CPU-s (same run)"),
    ("read_vs_memcpy", "number", "", "read MB/CPU-s / memcpy MB/CPU-s"),
    ("write_j_per_gb", "number", "J/GB", "energy per GB written (model in energy_model)"),
    ("read_j_per_gb", "number", "J/GB", "energy per GB read"),
    ("write_g_co2e_per_tb", "number", "gCO2e/TB", "emissions per TB written"),
    ("read_g_co2e_per_tb", "number", "gCO2e/TB", "emissions per TB read"),
    ("exact", "boolean", "", "decoded bytes identical to the input"),
    ("hash_ok", "boolean", "", "blake2b of decoded bytes, dtype and shape matches the input's"),
    ("fresh_read_ok", "boolean", "", "a separate process re-read the file and got the same bytes"),
    ("size_deterministic", "boolean", "", "same stored size in every repetition"),
    ("error_bound", "number", "", "absolute error bound given to a lossy codec (data units)"),
    ("error_bound_mode", "string", "", "how the bound was set: 'k σ' (noise), 'abs v', or 'f × range'"),
    ("nan_inf_preserved", "boolean", "", "lossy: NaN, +Inf and -Inf planted in one chunk came back unchanged"),
    ("max_error", "number", "", "error_stat:max_error"),
    ("rmse", "number", "", "error_stat:rmse"),
    ("psnr", "number", "dB", "error_stat:psnr (full range)"),
    ("max_rel_error", "number", "", "error_stat:max_rel_error (max error / value range)"),
    ("pearson_r", "number", "", "pearson:r between input and decoded values"),
    ("bound_held", "boolean", "", "every |error| <= bound + 1 ulp"),
    ("eb_over_sigma", "number", "", "error bound in units of the noise sigma"),
    ("added_variance", "number", "", "variance a uniform ±eb error adds, as a fraction of the noise variance"),
    ("rmse_over_sigma", "number", "", "RMSE in units of the noise sigma"),
    ("mask_preserved", "boolean", "", "masked pixel values kept exactly"),
    ("peak_rss_bytes", "integer", "B", "peak resident memory of the measuring process (ru_maxrss)"),
    ("exit_code", "integer", "", "exit code of the measuring process (negative: killed by that signal)"),
    ("elapsed_s", "number", "s", "wall time of the whole measurement, both processes"),
    ("worker", "string", "", "where it ran, for distributed runs"),
)
COLUMN_NAMES = tuple(c[0] for c in COLUMNS)


def _round(value: Any) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return float(f"{value:.5g}")
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round(v) for v in value]
    return value


def clean_row(row: dict) -> dict:
    """Only the published columns, rounded; absent values are null."""
    out = {name: _round(row.get(name)) for name in COLUMN_NAMES}
    out["variant"] = out["variant"] or "reference"
    if isinstance(out.get("chunks_used"), list):
        out["chunks_used"] = "×".join(str(c) for c in out["chunks_used"])
    return out


def document(rows: list[dict], *, profile: str, samples: list[dict], codecs: list[dict], provenance: dict,
             energy_model: dict, settings: dict, exposure: dict | None = None) -> dict:
    """The whole results document, as written to results.json."""
    return _round({
        "format": FORMAT, "version": VERSION, "profile": profile,
        "provenance": provenance, "energy_model": energy_model, "settings": settings,
        "datasets": samples, "codecs": codecs, "exposure": exposure,
        "results": [clean_row(r) for r in rows],
    })


def json_schema() -> dict:
    """JSON Schema (2020-12) of results.json."""
    types = {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean"}
    props = {name: {"type": [types[t], "null"], "description": desc + (f" [{unit}]" if unit else "")}
             for name, t, unit, desc in COLUMNS}
    props["status"] = {"enum": list(STATUSES), "description": props["status"]["description"]}
    for key in ("dataset", "codec", "kind", "variant"):
        props[key] = {"type": "string", "description": props[key]["description"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "knowhow compression benchmark results",
        "type": "object",
        "required": ["format", "version", "profile", "provenance", "energy_model", "datasets", "codecs", "results"],
        "properties": {
            "format": {"const": FORMAT}, "version": {"const": VERSION}, "profile": {"type": "string"},
            "provenance": {"type": "object"}, "energy_model": {"type": "object"}, "settings": {"type": "object"},
            "exposure": {"type": ["object", "null"], "description": "ratio against mean counts per pixel, per "
                         "generator and codec; real calibration frames beside the generators at their exposure"},
            "datasets": {"type": "array", "items": {"type": "object", "required": ["name", "kind", "dtype", "shape"]}},
            "codecs": {"type": "array", "items": {"type": "object", "required": ["name", "family", "options"]}},
            "results": {"type": "array", "items": {"type": "object", "required": list(COLUMN_NAMES),
                                                   "additionalProperties": False, "properties": props}},
        },
    }


def table_schema() -> dict:
    """Frictionless Table Schema of results.csv."""
    fields = []
    for name, t, unit, desc in COLUMNS:
        f = {"name": name, "type": t, "description": desc + (f" [{unit}]" if unit else "")}
        if name == "status":
            f["constraints"] = {"required": True, "enum": list(STATUSES)}
        if name in ("dataset", "codec", "variant"):
            f["constraints"] = {"required": True} if name != "variant" else {}
        fields.append(f)
    return {"fields": fields, "primaryKey": ["dataset", "codec", "variant"], "missingValues": [""]}


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMN_NAMES)
    for r in rows:
        clean = clean_row(r)
        w.writerow(["" if clean[n] is None else ("true" if clean[n] is True else "false" if clean[n] is False
                                                  else clean[n]) for n in COLUMN_NAMES])
    return buf.getvalue()


def datapackage(profile: str) -> dict:
    return {
        "name": "knowhow-compression-benchmark",
        "title": f"Compression benchmark results ({profile} profile)",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": [{
            "name": "results", "path": "results.csv", "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "schema": table_schema(),
        }],
    }


def write(out_dir: str | Path, doc: dict) -> list[Path]:
    """Write results.json, results.schema.json, results.csv and datapackage.json; return changed files."""
    out = Path(out_dir)
    files = {
        "results.json": json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
        "results.schema.json": json.dumps(json_schema(), indent=1, sort_keys=True) + "\n",
        "results.csv": to_csv(doc["results"]),
        "datapackage.json": json.dumps(datapackage(doc["profile"]), indent=1, sort_keys=True) + "\n",
    }
    return [out / name for name, text in files.items() if write_atomic(out / name, text)]


def read(results_dir: str | Path) -> dict:
    """The results document of a directory (ValueError with one line if it is not one)."""
    path = Path(results_dir) / "results.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read benchmark results ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{path}: not a knowhow benchmark results file")
    return doc
