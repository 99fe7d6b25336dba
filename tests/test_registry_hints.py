"""Contributor help that does not mislead: licence, facility and kind names as people write them,
placeholders and comment-only files."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from knowhow.cli import cli
from knowhow.registry import hints, vocab
from registry_support import FACILITY, SOFTWARE, small_registry, write

ONLY_OR_LATER = "(the source headers decide: 'or any later version' means -or-later)"


@pytest.mark.parametrize("written, hint", [
    ("GPLv3", f"did you mean 'GPL-3.0-only' or 'GPL-3.0-or-later'? {ONLY_OR_LATER}"),
    ("GNU GPL v3", f"did you mean 'GPL-3.0-only' or 'GPL-3.0-or-later'? {ONLY_OR_LATER}"),
    ("GPL-3.0", f"did you mean 'GPL-3.0-only' or 'GPL-3.0-or-later'? {ONLY_OR_LATER}"),
    ("GPL-3.0+", "did you mean 'GPL-3.0-or-later'?"),
    ("LGPL-2.1+", "did you mean 'LGPL-2.1-or-later'?"),
    ("LGPLv2.1", f"did you mean 'LGPL-2.1-only' or 'LGPL-2.1-or-later'? {ONLY_OR_LATER}"),
    ("BSD", "did you mean 'BSD-3-Clause' or 'BSD-2-Clause'? (count the clauses in the LICENSE file)"),
    ("new BSD", "did you mean 'BSD-3-Clause'?"),
    ("Eclipse Public License 1.0", "did you mean 'EPL-1.0'?"),
    ("GNU Lesser General Public License v3.0 or later", "did you mean 'LGPL-3.0-or-later'?"),
    ("Apache License 2.0", "did you mean 'Apache-2.0'?"),
    ("Apache 2", "did you mean 'Apache-2.0'?"),
    ("MPL 2.0", "did you mean 'MPL-2.0'?"),
    ("MIT Licence", "did you mean 'MIT'?"),
    ("Apach-2.0", "did you mean 'Apache-2.0'?"),
    ("zlib", "did you mean 'Zlib'?"),
])
def test_licence_hints_come_from_names_and_aliases(written, hint):
    assert hints.licence_hint(written, vocab.spdx_ids()) == hint


@pytest.mark.parametrize("written", ["Proprietary", "GPLX-9", "Freeware", "MIT-ish custom terms"])
def test_no_unrelated_near_spelling_is_offered(written):
    assert hints.licence_hint(written, vocab.spdx_ids()) == \
        "write an SPDX id or expression, see https://spdx.org/licenses/"


def _validate(root):
    result = CliRunner().invoke(cli, ["validate", "--registry", str(root)])
    assert "Traceback" not in result.output
    return result


def test_licence_hint_reaches_the_validation_line(tmp_path):
    small_registry(tmp_path)
    write(tmp_path, "curated", "software", "tool",
          SOFTWARE.format(id="tool", facility="alpha").replace("license: MIT", "license: GPLv3"))
    result = _validate(tmp_path)
    assert result.exit_code == 1
    assert ("tool.yaml:5: /license: [unknown-spdx] 'GPLv3' is not an SPDX licence id (did you mean "
            "'GPL-3.0-only' or 'GPL-3.0-or-later'?") in result.output


def _facilities(root):
    write(root, "curated", "facilities", "diamond", FACILITY.format(id="diamond", upper="Diamond").replace(
        "name: Facility diamond", "name: Diamond Light Source") + "aliases: [DLS]\n")
    write(root, "curated", "facilities", "desy-petra-iii", FACILITY.format(id="desy-petra-iii", upper="PETRA III"))
    write(root, "curated", "facilities", "european-xfel", FACILITY.format(id="european-xfel", upper="European XFEL")
          + "aliases: [XFEL, EuXFEL]\n")
    for fid in ("sls", "swissfel", "psi-sinq"):
        write(root, "curated", "facilities", fid, FACILITY.format(id=fid, upper=fid.upper())
              + "operator: Paul Scherrer Institute (PSI)\n")


@pytest.mark.parametrize("written, hint", [
    ("DLS", "did you mean 'diamond'? (facility references are ids)"),
    ("PETRA III", "did you mean 'desy-petra-iii'? (facility references are ids)"),
    ("petra-iii", "did you mean 'desy-petra-iii'? (facility references are ids)"),
    ("XFEL", "did you mean 'european-xfel'? (facility references are ids)"),
    ("Diamond Light Source", "did you mean 'diamond'? (facility references are ids)"),
    ("PSI", "did you mean 'psi-sinq' or 'sls' or 'swissfel'? (facility references are ids)"),
])
def test_facility_references_are_matched_through_names_and_aliases(tmp_path, written, hint):
    _facilities(tmp_path)
    write(tmp_path, "curated", "software", "tool", SOFTWARE.format(id="tool", facility=f"'{written}'"))
    result = _validate(tmp_path)
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "[unknown-reference]" in x)
    assert line.endswith(f"/facilities/0/id: [unknown-reference] no facilities record with id '{written}' ({hint})")


def test_an_unknown_facility_gets_no_invented_suggestion(tmp_path):
    _facilities(tmp_path)
    write(tmp_path, "curated", "software", "tool", SOFTWARE.format(id="tool", facility="atlantis"))
    out = _validate(tmp_path).output
    assert "no facilities record with id 'atlantis' (add registry/curated/facilities/atlantis.yaml first)" in out


def test_a_comment_only_file_is_an_error_not_skipped(tmp_path):
    small_registry(tmp_path)
    write(tmp_path, "curated", "software", "draft", "# id: draft\n# name: My draft\n\n   # more later\n")
    result = _validate(tmp_path)
    assert result.exit_code == 1
    assert "draft.yaml:1: [only-comments] file holds only comments, no record" in result.output


def test_a_singular_kind_folder_is_hinted(tmp_path):
    small_registry(tmp_path)
    write(tmp_path, "curated", "event", "x", "id: x\n")
    result = _validate(tmp_path)
    assert "'event' is not a record kind folder (rename it to events/)" in result.output


def test_review_flags_cannot_be_curated(tmp_path):
    small_registry(tmp_path)
    write(tmp_path, "curated", "software", "tool", SOFTWARE.format(id="tool", facility="alpha")
          + "review:\n  - {code: archived, field: status, message: x}\n")
    result = _validate(tmp_path)
    assert result.exit_code == 1
    assert "/review: [harvest-only] review is written by the harvester (remove it from the curated file)" \
        in result.output
