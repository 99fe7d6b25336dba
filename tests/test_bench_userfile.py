"""`knowhow bench FILE.h5:/path`: a user's file is untrusted; every problem is one clear line."""

from __future__ import annotations

import json
import os

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from knowhow.bench import userfile
from knowhow.bench.command import bench
from knowhow.bench.userfile import UserFileError, load_sample


@pytest.fixture()
def folder(tmp_path):
    inside = tmp_path / "beamtime"
    inside.mkdir()
    (tmp_path / "elsewhere").mkdir()
    return inside


def _error(path, dset=None, **kw) -> str:
    with pytest.raises(UserFileError) as info:
        if dset is None:
            userfile.list_datasets(path, **kw)
        else:
            load_sample(path, dset, kw.pop("limit", 1 << 20), **kw)
    text = str(info.value)
    assert "\n" not in text and str(path) in text
    return text


def test_virtual_dataset_with_missing_source_is_refused(folder):
    with h5py.File(folder / "vds.h5", "w") as f:
        layout = h5py.VirtualLayout((2, 16), "i4")
        for i in range(2):
            layout[i] = h5py.VirtualSource("frames_000.h5", "data", (16,))
        f.create_virtual_dataset("entry/data", layout, fillvalue=-1)
    assert "virtual dataset source missing (frames_000.h5)" in _error(folder / "vds.h5", "/entry/data")
    # With the source present (next to the file), the same dataset is sampled normally.
    with h5py.File(folder / "frames_000.h5", "w") as f:
        f["data"] = np.arange(16, dtype="i4")
    sample = load_sample(folder / "vds.h5", "/entry/data", 1 << 20)
    assert sample.data.tolist() == [list(range(16))] * 2


def test_corrupt_file_is_one_line(folder):
    path = folder / "broken.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.arange(1000)
    raw = bytearray(path.read_bytes())
    raw[8:200] = b"\xff" * 192  # signature intact, superblock and root group destroyed
    path.write_bytes(bytes(raw))
    assert "corrupt or truncated HDF5 file" in _error(path, "/data")


def test_corrupt_chunk_is_one_line(folder):
    path = folder / "badchunk.h5"
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("data", data=np.arange(4096, dtype="u2").reshape(4, 1024), chunks=(1, 1024),
                              compression="gzip")
        offset = ds.id.get_chunk_info(1).byte_offset
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(b"\x00" * 32)  # the deflate stream of chunk 1 no longer decodes
    assert "corrupt chunk or failing filter" in _error(path, "/data")


def test_unknown_filter_id_names_the_filter(folder):
    path = folder / "unknown_filter.h5"
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("data", shape=(4, 16), dtype="u2", chunks=(1, 16), compression=32999,
                              allow_unknown_filter=True)
        for i in range(4):
            ds.id.write_direct_chunk((i, 0), b"\x01" * 12)
    assert "needs HDF5 filter 32999" in _error(path, "/data")
    listed = userfile.list_datasets(path)
    assert listed[0]["filters"] == [32999]


def _stack(path, chunks, dtype="u4", shape=(64, 128, 128)):
    full = np.arange(np.prod(shape), dtype=dtype).reshape(shape)
    with h5py.File(path, "w") as f:
        f.create_dataset("data", data=full, chunks=chunks, compression="gzip")
    return full


def _counting_reads(monkeypatch) -> list:
    read = []
    original = userfile._read_block
    monkeypatch.setattr(userfile, "_read_block", lambda ds, src: read.append(original(ds, src)) or read[-1])
    return read


def test_sample_is_whole_chunks_spread_over_the_dataset(folder, monkeypatch):
    path = folder / "stack.h5"
    full = _stack(path, (1, 128, 128))  # 64 KiB chunks
    read = _counting_reads(monkeypatch)
    limit = 300_000
    sample = load_sample(path, "/data", limit)
    assert sample.data.shape == (4, 128, 128) and sample.data.nbytes <= limit
    assert sum(b.nbytes for b in read) == sample.data.nbytes  # nothing beyond the sample was read
    assert max(b.nbytes for b in read) == 128 * 128 * 4  # one chunk at a time
    # spread (the default): frames 0, 21, 42 and 63, not the first four (darks and flats in tomography)
    for k, frame in enumerate((0, 21, 42, 63)):
        np.testing.assert_array_equal(sample.data[k], full[frame])
    assert sample.chunks == (1, 128, 128) and sample.lossless_bound() is None
    assert sample.params["full_shape"] == [64, 128, 128] and sample.params["sample_strategy"] == "spread"
    assert sample.params["sample_first_origins"] == [[0, 0, 0], [21, 0, 0], [42, 0, 0], [63, 0, 0]]

    first = load_sample(path, "/data", limit, strategy="first")
    np.testing.assert_array_equal(first.data, full[:4])
    picks = [load_sample(path, "/data", limit, strategy="random", seed=s).params["sample_first_origins"]
             for s in (7, 7, 8)]
    assert picks[0] == picks[1] != picks[2]  # the seed decides, and only the seed


def test_sample_never_cuts_a_chunk_and_groups_tiny_ones(folder, monkeypatch):
    path = folder / "tiles.h5"
    full = _stack(path, (4, 64, 64), dtype="u2")  # 32 KiB chunks: four frames of a quarter each
    sample = load_sample(path, "/data", 50_000)  # room for one and a half chunks: one whole chunk
    assert sample.data.shape == (4, 64, 64) and sample.chunks == (4, 64, 64)
    o = sample.params["sample_first_origins"][0]
    np.testing.assert_array_equal(sample.data, full[o[0]:o[0] + 4, o[1]:o[1] + 64, o[2]:o[2] + 64])

    tiny = folder / "tiny.h5"
    full = _stack(tiny, (1, 16, 16), dtype="u2")  # 512-byte chunks
    read = _counting_reads(monkeypatch)
    sample = load_sample(tiny, "/data", 1 << 20)
    assert max(b.nbytes for b in read) == 512  # still read chunk by chunk
    assert sample.chunks == (2, 128, 128)  # whole chunks grouped into one 64 KiB benchmark chunk
    assert sample.params["chunks_in_file"] == [1, 16, 16] and sample.params["sample_unit"] == [2, 128, 128]
    o = sample.params["sample_first_origins"][1]
    np.testing.assert_array_equal(sample.data[2:4], full[o[0]:o[0] + 2])


def test_chunk_larger_than_the_sample_limit_is_refused(folder):
    path = folder / "bigchunk.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("data", shape=(2, 512, 512), dtype="f4", chunks=(2, 512, 512))
    assert "raise --sample-mb" in _error(path, "/data", limit=100_000)


def test_external_storage_outside_the_folder_is_refused(folder):
    outside = folder.parent / "elsewhere" / "raw.bin"
    outside.write_bytes(np.arange(64, dtype="u2").tobytes())
    path = folder / "ext.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("data", shape=(64,), dtype="u2", external=[(str(outside), 0, 128)])
        f.create_dataset("environ", shape=(64,), dtype="u1", external=[("/proc/self/environ", 0, 64)])
        f.create_dataset("sneaky", shape=(64,), dtype="u2", external=[("../elsewhere/raw.bin", 0, 128)])
    for dset in ("/data", "/environ", "/sneaky"):
        assert "external raw storage points outside the file's folder" in _error(path, dset)
    allowed = load_sample(path, "/data", 1 << 20, allow_external=True)
    assert allowed.data.tolist() == list(range(64))


def test_external_storage_inside_the_folder_is_read_relative_to_the_file(folder, tmp_path, monkeypatch):
    (folder / "raw.bin").write_bytes(np.arange(64, dtype="u2").tobytes())
    with h5py.File(folder / "ext.h5", "w") as f:
        f.create_dataset("data", shape=(64,), dtype="u2", external=[("raw.bin", 0, 128)])
    monkeypatch.chdir(tmp_path)  # not the file's folder: HDF5 must not resolve against it
    assert load_sample(folder / "ext.h5", "/data", 1 << 20).data.tolist() == list(range(64))


def test_external_link_and_symlink_escapes_are_refused(folder):
    other = folder.parent / "elsewhere" / "secret.h5"
    with h5py.File(other, "w") as f:
        f["data"] = np.arange(100)
    os.symlink(other, folder / "looks_local.h5")
    with h5py.File(folder / "links.h5", "w") as f:
        f["out"] = h5py.ExternalLink(str(other), "/data")
        f["via_symlink"] = h5py.ExternalLink("looks_local.h5", "/data")
        f["alias"] = h5py.SoftLink("/out")
    for dset in ("/out", "/via_symlink", "/alias"):
        assert "external link" in _error(folder / "links.h5", dset)
    listed = {r["path"]: r for r in userfile.list_datasets(folder / "links.h5")}
    assert "not followed" in listed["/out"]["note"]
    with h5py.File(folder / "local.h5", "w") as f:
        f["data"] = np.arange(100)
    with h5py.File(folder / "links2.h5", "w") as f:
        f["in"] = h5py.ExternalLink("local.h5", "/data")
    assert load_sample(folder / "links2.h5", "/in", 1 << 20).data.tolist() == list(range(100))


def test_not_hdf5_and_missing_are_one_line(folder):
    (folder / "notes.h5").write_text("this is not HDF5\n")
    assert "not an HDF5 file" in _error(folder / "notes.h5", "/data")
    assert "no such file" in _error(folder / "absent.h5", "/data")
    with h5py.File(folder / "ok.h5", "w") as f:
        f["group/x"] = np.arange(10)
        f["text"] = "hello"
    assert "no dataset '/nope'" in _error(folder / "ok.h5", "/nope")
    assert "is a group" in _error(folder / "ok.h5", "/group")
    assert "not a numeric array" in _error(folder / "ok.h5", "/text")


def test_cli_lists_candidates_then_benchmarks_a_dataset(folder, tmp_path):
    path = folder / "scan.h5"
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        f.create_dataset("entry/data/data", data=rng.poisson(2.0, (4, 64, 64)).astype("u2"), chunks=(1, 64, 64))
        f["entry/monitor"] = np.linspace(0, 1, 500) + 0.01 * rng.standard_normal(500)
    run = CliRunner().invoke(bench, [str(path)])
    assert run.exit_code == 0, run.output
    assert f"{path}:/entry/data/data  [4, 64, 64] uint16 chunks=[1, 64, 64]" in run.output
    out = tmp_path / "out"
    run = CliRunner().invoke(bench, [f"{path}:/entry/data/data", f"{path}:/entry/monitor", "--out", str(out),
                                     "--codec", "none-chunked", "--codec", "bitshuffle-lz4", "--codec",
                                     "sz3-abs-0.1sigma", "--reps", "1"])
    assert run.exit_code == 0, run.output
    assert "scan.h5:/entry/data/data × bitshuffle-lz4: ratio" in run.output
    rows = {(r["dataset"], r["codec"]): r for r in json.loads((out / "results.json").read_text())["results"]}
    ok = rows[("scan.h5:/entry/data/data", "bitshuffle-lz4")]
    assert ok["status"] == "ok" and ok["exact"] and ok["bound"] is None and ok["ratio"] > 1
    lossy = rows[("scan.h5:/entry/monitor", "sz3-abs-0.1sigma")]
    assert lossy["status"] == "ok" and lossy["bound_held"] and lossy["bound"] is None
    assert rows[("scan.h5:/entry/data/data", "sz3-abs-0.1sigma")]["status"] == "skipped"


def test_cli_error_is_one_line_without_traceback(folder):
    (folder / "notes.h5").write_text("plain text")
    run = CliRunner().invoke(bench, [f"{folder / 'notes.h5'}:/data"])
    assert run.exit_code == 1
    assert run.output.startswith("Error: ") and run.output.count("\n") == 1 and "not an HDF5 file" in run.output
