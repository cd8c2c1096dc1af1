"""Detection on RAW mosaics: exact per photosite, for every Bayer pattern."""

from __future__ import annotations

import datetime as dt

import pytest

from hotpixels.io.decode import probe
from hotpixels.io.raw import read_mosaic
from hotpixels.maps.formats import export_text
from hotpixels.pipeline import find
from hotpixels.sim.camera import RAW_BLACK
from hotpixels.sim.dng import write_dng


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_raw_detection_is_exact_per_photosite(raw_sims, seed, truth):
    sim, result, maps = raw_sims(seed)
    assert result.failures == []
    [(_, dmap, reason)] = maps
    assert reason is None and dmap.frame == "raw" and dmap.cfa == "RGGB"
    assert (dmap.width, dmap.height) == (480, 360)
    truth = truth(sim)
    found = {(d.x, d.y): d for d in dmap.defects}
    hits = set(found) & set(truth)
    recall, precision = len(hits) / len(truth), len(hits) / max(len(found), 1)
    assert recall == 1.0, sorted(set(truth) - set(found))
    assert precision >= 0.98, sorted(set(found) - set(truth))
    kinds_right = sum(found[p].kind == truth[p]["kind"] for p in hits)
    assert kinds_right >= len(hits) - 1
    for p in hits:  # the colour of each photosite comes from the CFA pattern
        assert found[p].channel == truth[p]["channel"]
        assert found[p].members == []
    # only the defect that appears a third of the way in has a first date: that photo's
    [late] = [p for p, d in truth.items() if d["note"] == "appears later"]
    assert [p for p, d in found.items() if d.first_seen] == [late]
    first = probe(sim.raw_frames[truth[late]["first_frame"]]).taken
    assert found[late].first_seen == first
    stamp = int((first - dt.datetime(1970, 1, 1)).total_seconds())
    assert f"{late[0]} {late[1]} {stamp}" in export_text(dmap, "dcraw").splitlines()


@pytest.mark.slow
def test_raw_defect_free_camera_gives_an_empty_map(raw_sims):
    _, _, [(_, dmap, _)] = raw_sims(4, defects=False)
    assert dmap.defects == []


@pytest.mark.slow
@pytest.mark.parametrize(("dy", "dx", "cfa"), [(0, 1, "GRBG"), (1, 0, "GBRG"), (1, 1, "BGGR")])
def test_every_bayer_pattern(raw_sims, tmp_path, dy, dx, cfa, truth):
    """Cropping an RGGB mosaic by a row and/or column gives the other three patterns."""
    sim, _, _ = raw_sims(2)
    for src in sim.raw_frames:
        mosaic, _ = read_mosaic(src)
        write_dng(tmp_path / src.name, mosaic[dy:, dx:], cfa=cfa, black=RAW_BLACK, white=4095,
                  make="Simulated", model="crop")  # fmt: skip
    _, [(group, dmap, _)] = find([tmp_path])
    assert group.key.cfa == cfa and dmap.cfa == cfa
    truth = {(x - dx, y - dy): d for (x, y), d in truth(sim).items() if x >= dx and y >= dy}
    found = {(d.x, d.y): d for d in dmap.defects}
    assert set(found) == set(truth)
    assert all(found[p].channel == truth[p]["channel"] for p in found)
