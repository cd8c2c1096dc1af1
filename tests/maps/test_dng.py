"""A DNG copy with the map in OpcodeList1: the opcode reads back, every other tag and the
image stay, LibRaw still opens it, and import reads it into the same map."""

from __future__ import annotations

import hashlib
import struct

import numpy as np
import pytest
from click.testing import CliRunner

from hotpixels.cli import cli
from hotpixels.maps.dng import (
    FIX_BAD_PIXELS_LIST,
    OPCODE_LIST1,
    add_bad_pixels,
    dng_bad_pixels,
    read_bad_pixels,
)
from hotpixels.maps.model import Defect, DefectMap


def _tags(path):
    import tifffile

    with tifffile.TiffFile(path) as t:
        return {tag.code: tag.value for tag in t.pages[0].tags}


def test_dng_copy_carries_the_map_and_keeps_everything_else(raw_sims, tmp_path):
    rawpy = pytest.importorskip("rawpy")
    sim, _, [gm] = raw_sims(1)
    src = sim.raw_frames[0]
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    gm.dmap.save(tmp_path / "raw.json")
    copy = tmp_path / "copy.dng"
    res = CliRunner().invoke(cli, ["export", str(tmp_path / "raw.json"), "-f", "dng", "--dng", str(src),
                                   "-o", str(copy)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "OpcodeList1" in res.output and "ActiveArea" in res.output
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before  # the input is never changed
    points, w, h = dng_bad_pixels(copy)
    assert (w, h) == (gm.dmap.width, gm.dmap.height)
    assert sorted(points) == sorted(gm.dmap.repair_pixels()) and points
    old, new = _tags(src), _tags(copy)
    assert OPCODE_LIST1 not in old and set(new) == set(old) | {OPCODE_LIST1}
    assert all(np.array_equal(np.asarray(new[k]), np.asarray(old[k])) for k in old)
    blob = bytes(new[OPCODE_LIST1])
    assert struct.unpack(">II", blob[:8]) == (1, FIX_BAD_PIXELS_LIST)
    with rawpy.imread(str(src)) as a, rawpy.imread(str(copy)) as b:
        assert np.array_equal(a.raw_image_visible, b.raw_image_visible)
        assert np.array_equal(a.postprocess(), b.postprocess())
    # and back into a map: the same photosites, camera and frame
    res = CliRunner().invoke(cli, ["import", str(copy), "-o", str(tmp_path / "back.json")])
    assert res.exit_code == 0, res.output
    back = DefectMap.load(tmp_path / "back.json")
    assert sorted(back.repair_pixels()) == sorted(gm.dmap.repair_pixels())
    assert back.frame == "raw" and back.camera.model == gm.dmap.camera.model and back.cfa == gm.dmap.cfa


def test_an_existing_opcode_list_is_kept(raw_sims, tmp_path):
    pytest.importorskip("tifffile")
    sim, _, [gm] = raw_sims(1)
    first = DefectMap(gm.dmap.width, gm.dmap.height, [Defect(5, 7)], frame="raw", cfa=gm.dmap.cfa)
    add_bad_pixels(sim.raw_frames[0], tmp_path / "one.dng", first)
    add_bad_pixels(tmp_path / "one.dng", tmp_path / "two.dng", gm.dmap)
    blob = bytes(_tags(tmp_path / "two.dng")[OPCODE_LIST1])
    assert struct.unpack(">I", blob[:4]) == (2,)
    assert read_bad_pixels(blob)[0] == (7, 5)  # (row, column) of the first list, kept first
    assert len(read_bad_pixels(blob)) == 1 + len(gm.dmap.repair_pixels())


def test_dng_export_errors_are_one_line(raw_sims, tmp_path):
    pytest.importorskip("tifffile")
    sim, _, [gm] = raw_sims(1)
    image_map = DefectMap(gm.dmap.width, gm.dmap.height, [Defect(1, 1)])
    with pytest.raises(ValueError, match="RAW frame"):
        add_bad_pixels(sim.raw_frames[0], tmp_path / "x.dng", image_map)
    small = DefectMap(10, 10, [Defect(1, 1)], frame="raw", cfa="RGGB")
    with pytest.raises(ValueError, match="the map is 10x10"):
        add_bad_pixels(sim.raw_frames[0], tmp_path / "x.dng", small)
    not_dng = tmp_path / "photo.dng"
    not_dng.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(OSError, match="not a TIFF-based DNG"):
        add_bad_pixels(not_dng, tmp_path / "x.dng", gm.dmap)
    with pytest.raises(ValueError, match="the DNG itself"):
        add_bad_pixels(sim.raw_frames[0], sim.raw_frames[0], gm.dmap)
    assert not (tmp_path / "x.dng").exists()
