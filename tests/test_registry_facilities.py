"""Checks on the committed facility, open-data and collaboration records that catch known kinds of mistake."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from knowhow.harvest.config import load
from knowhow.registry.validate import validate

ROOT = Path(__file__).resolve().parents[1]
# Hosts that mirror slides or documents: a record cites the project's or facility's own page instead.
MIRRORS = ("slideserve.com", "docslib.org", "slideshare.net", "pdfslide.", "yumpu.com", "readkong.com", "scribd.com",
           "fdocuments.", "vdocuments.", "documents.pub", "dokumen.pub", "manualzilla.com", "studylib.", "usermanual.wiki")


def _records(kind: str) -> dict[str, dict]:
    reg, report = validate(ROOT / "registry")
    assert report.valid, report.render("text")
    return {rid: rec.data for rid, rec in reg.records[kind].items()}


def test_a_shared_ror_id_is_the_operators_not_the_facilitys_own():
    """Two facilities with the same `ror` means an operator's id was given as a facility's own."""
    facilities = _records("facilities")
    by_ror = defaultdict(list)
    for fid, d in facilities.items():
        if d.get("ror"):
            by_ror[d["ror"]].append(fid)
    assert {r: ids for r, ids in by_ror.items() if len(ids) > 1} == {}
    operators = {d["operator_ror"] for d in facilities.values() if d.get("operator_ror")}
    assert not operators & set(by_ror), "an operator's ROR id is also given as some facility's own"
    for fid, d in facilities.items():
        for key in ("ror", "operator_ror"):
            if d.get(key):
                assert f"https://ror.org/{d[key]}" in d["references"], f"{fid}: {key} without its ROR record"


def test_aliases_do_not_repeat_the_name_or_short_name():
    for fid, d in _records("facilities").items():
        own = {str(d.get("name", "")).casefold(), str(d.get("short_name", "")).casefold()}
        assert not own & {a.casefold() for a in d.get("aliases", [])}, fid


def test_no_reference_points_at_a_slide_or_document_mirror():
    for kind in ("facilities", "open_data", "collaborations"):
        for rid, d in _records(kind).items():
            for ref in d.get("references", []):
                host = urlsplit(ref).hostname or ""
                assert not any(m in host for m in MIRRORS), f"{kind}/{rid}: {ref}"


def test_every_panosc_source_fills_the_record_whose_api_it_is():
    """harvest/sources.yaml and the open_data records name the same PaNOSC search-API endpoints."""
    open_data = _records("open_data")
    config = load(ROOT / "harvest" / "sources.yaml")
    panosc = [s for s in config.sources if s.type == "panosc"]
    assert {s.base_url.rstrip("/") for s in panosc} >= {"https://federated.panosc.ess.eu/api"}
    covered = set()
    for src in panosc:
        rid = src.params.get("record")
        assert rid in open_data, f"{src.name}: params.record {rid!r} is not an open_data record"
        api = open_data[rid].get("api") or {}
        assert api.get("type") == "panosc" and api["endpoint"].rstrip("/") == src.base_url.rstrip("/"), src.name
        covered.add(rid)
    with_api = {rid for rid, d in open_data.items() if (d.get("api") or {}).get("type") == "panosc"}
    assert with_api == covered, f"open_data records with a PaNOSC API but no source: {sorted(with_api - covered)}"


def test_collaboration_years_are_consistent():
    """A participant cannot join before the collaboration started or after it ended; nothing ends before it starts."""
    for cid, d in _records("collaborations").items():
        started, ended = d.get("started"), d.get("ended")
        if started and ended:
            assert ended >= started, f"{cid}: ended {ended} before started {started}"
        for p in d.get("facilities", []):
            joined = p.get("joined")
            if joined is None:
                continue
            assert started is None or joined >= started, f"{cid}/{p['id']}: joined {joined} before started {started}"
            assert ended is None or joined <= ended, f"{cid}/{p['id']}: joined {joined} after ended {ended}"


def test_a_collaboration_lists_each_facility_once():
    for cid, d in _records("collaborations").items():
        ids = [p["id"] for p in d.get("facilities", [])]
        assert len(ids) == len(set(ids)), f"{cid}: {sorted({i for i in ids if ids.count(i) > 1})} listed twice"
