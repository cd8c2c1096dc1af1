"""RAW files: the mosaic as planes, patterns refused, bad files, a missing rawpy."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from hotpixels.errors import ImageReadError, MissingDependencyError
from hotpixels.io.decode import probe
from hotpixels.mosaic import to_planes
from hotpixels.pipeline import find


def test_planes_put_same_colour_neighbours_next_to_each_other():
    mosaic = np.arange(8 * 10, dtype=np.uint16).reshape(8, 10)
    planes = to_planes(mosaic)
    assert planes.shape == (4, 5, 4)
    for k, (dy, dx) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        assert np.array_equal(planes[..., k], mosaic[dy::2, dx::2])


def _cfa_dng(path, tifffile, dims, pattern):
    tags = [(33421, "H", 2, dims, True), (33422, "B", len(pattern), bytes(pattern), True),
            (50706, "B", 4, (1, 4, 0, 0), True), (50717, "H", 1, 4095, True),
            (271, "s", 0, "FUJIFILM", True), (272, "s", 0, "X-T2", True)]  # fmt: skip
    data = np.full((96, 96), 1000, np.uint16)
    tifffile.imwrite(path, data, photometric=32803, extratags=tags, metadata=None, subfiletype=0)


def test_x_trans_is_read_as_36_planes_and_other_patterns_are_refused(tmp_path, tifffile):
    from hotpixels.io.decode import decode

    xtrans = [1, 1, 0, 1, 1, 2, 1, 1, 2, 1, 1, 0, 2, 0, 1, 0, 2, 1,
              1, 1, 2, 1, 1, 0, 1, 1, 0, 1, 1, 2, 0, 2, 1, 2, 0, 1]  # fmt: skip
    _cfa_dng(tmp_path / "xtrans.dng", tifffile, (6, 6), xtrans)
    info = probe(tmp_path / "xtrans.dng")
    assert info.key.channels == 36 and info.key.cfa == "".join("RGB"[i] for i in xtrans)
    assert decode(info).shape == (16, 16, 36)
    _cfa_dng(tmp_path / "odd.dng", tifffile, (2, 2), [0, 0, 0, 0])
    with pytest.raises(ImageReadError, match=r"odd.dng: 1x1 colour filter pattern; only 2x2 Bayer"):
        probe(tmp_path / "odd.dng")


def test_bad_raw_files_are_reported_and_skipped(raw_sims, tmp_path):
    sim, _, _ = raw_sims(1)
    for src in sim.raw_frames[:6]:
        (tmp_path / src.name).write_bytes(src.read_bytes())
    data = sim.raw_frames[6].read_bytes()
    (tmp_path / "truncated.dng").write_bytes(data[: len(data) // 3])
    (tmp_path / "garbage.nef").write_bytes(b"not a raw file at all" * 50)
    result, maps = find([tmp_path])
    failed = {p.name: msg for p, msg in result.failures}
    assert set(failed) == {"truncated.dng", "garbage.nef"}
    assert all(name in msg and "\n" not in msg for name, msg in failed.items())
    assert maps[0][0].acc.n == 6 and maps[0][1] is not None


def test_missing_rawpy_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rawpy", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "hotpixels\[raw\]"'):
        probe(tmp_path / "photo.dng")
