"""Warm RAW photosites with a stable response are compensated, not replaced: closer to
the defect-free twins, and --replace keeps the old behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from hotpixels.cli import cli
from hotpixels.detect.evidence import evidence
from hotpixels.detect.response import confirm_responses, response
from hotpixels.kernels.clipping import Clipping
from hotpixels.maps.model import Defect, DefectMap
from hotpixels.repair.pixels import repair_mosaic
from hotpixels.sim.style import CameraStyle
from hotpixels.stats import Accumulator


def _acc(offsets, rng):
    acc = Accumulator.empty((9, 9, 1), 12)
    for level, offset in zip(rng.integers(300, 3000, len(offsets)), offsets, strict=True):
        frame = (np.full((9, 9, 1), level) + rng.normal(0, 15, (9, 9, 1))).astype(np.uint16)
        frame[4, 4] += np.uint16(offset)
        acc.update(frame)
    return acc


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_varying_offset_is_replaced_and_a_stable_one_kept(seed):
    rng = np.random.default_rng(seed)
    steady = response(evidence(_acc([300] * 30, rng)), 4, 4, 0)
    assert steady is not None and steady[1] == 1.0 and abs(steady[0] - 300) < 15
    varying = response(evidence(_acc(300 * rng.uniform(0.6, 1.4, 30), rng)), 4, 4, 0)
    assert varying is None


def _planes(offsets, rng, clipped=()):
    """RAW colour planes (9x9, 4 planes) with a warm photosite at mosaic (8, 8)."""
    frames = []
    for i, (level, offset) in enumerate(zip(rng.integers(300, 3000, len(offsets)), offsets, strict=True)):
        frame = (np.full((9, 9, 4), level) + rng.normal(0, 15, (9, 9, 4))).astype(np.uint16)
        frame[4, 4, 0] += np.uint16(offset)
        if i in clipped:  # a highlight over it: clipped, the offset does not show
            frame[3:6, 3:6] = 4095
        frames.append(frame)
    return frames


def test_a_response_is_kept_only_where_the_photos_bear_it_out():
    rng = np.random.default_rng(3)
    steady = _planes([300] * 30, rng)
    highlights = _planes([300] * 30, rng, clipped=range(0, 30, 3))
    clipping = Clipping.raw(4095)

    def tried(frames, clipping=None, seen=highlights):
        acc = Accumulator.empty((9, 9, 4), 12)
        for f in seen:
            acc.update(f, clipping=clipping or Clipping.raw(4095))
        dmap = DefectMap(18, 18, [Defect(8, 8, "warm", channel="0", offset=300.0, gain=1.0)], frame="raw")
        confirm_responses(dmap, acc, lambda i: frames[i], len(frames), clipping=clipping, workers=2)
        return dmap.responses()

    # near clipping in some frames (the sums cannot tell): the photos decide
    assert tried(steady) == {(8, 8): (300.0, 1.0)}
    assert tried(_planes(300 * rng.uniform(0.3, 1.7, 30), rng)) == {}  # the photos say it varies
    assert tried(highlights, clipping) == {(8, 8): (300.0, 1.0)}  # clipped photos left out
    assert tried(steady[:4]) == {}  # too few photos to try it on
    assert tried([None] * 30) == {}  # none readable now
    # standing out in every frame, never near clipping: the sums are exact, nothing is read
    assert tried([None] * 30, seen=steady) == {(8, 8): (300.0, 1.0)}


def test_the_map_keeps_the_response():
    dmap = DefectMap(10, 10, [Defect(3, 4, "warm", offset=120.5, gain=1.02), Defect(5, 5)], frame="raw")
    back = DefectMap.from_json(dmap.to_json())
    assert back.responses() == {(3, 4): (120.5, 1.02)}
    assert "offset" not in dmap.to_dict()["defects"][1]
    with pytest.raises(ValueError, match="offset"):
        DefectMap.from_dict({**dmap.to_dict(), "defects": [{"x": 1, "y": 1, "offset": "much"}]})


def test_stable_warm_photosites_come_back_closer_to_the_twins(raw_sims, tmp_path):
    from hotpixels.io.raw import read_mosaic

    sim, _, [gm] = raw_sims(2, clean=True, style=CameraStyle(stable_warm=True))
    warm = [d for d in sim.defects if d.kind == "warm"]
    responses = gm.dmap.responses()
    assert len(responses) >= 3 and all(d.kind == "warm" for d in gm.dmap.defects if (d.x, d.y) in responses)
    pixels = gm.dmap.repair_pixels()
    replaced, compensated = [], []
    for dirty, clean in zip(sim.raw_frames, sim.clean_raw_frames, strict=True):
        m, c = read_mosaic(dirty)[0], read_mosaic(clean)[0].astype(float)
        r1, r2 = repair_mosaic(m, pixels), repair_mosaic(m, pixels, responses=responses)
        replaced += [abs(float(r1[d.y, d.x]) - c[d.y, d.x]) for d in warm]
        compensated += [abs(float(r2[d.y, d.x]) - c[d.y, d.x]) for d in warm]
    assert np.mean(compensated) < 0.7 * np.mean(replaced), (np.mean(compensated), np.mean(replaced))
    # fix compensates by default and says so; --replace replaces
    gm.dmap.save(tmp_path / "raw.json")
    res = CliRunner().invoke(cli, ["fix", "--map", str(tmp_path / "raw.json"), str(sim.raw_frames[0]),
                                   "--out-dir", str(tmp_path / "a")])  # fmt: skip
    assert res.exit_code == 0 and "compensated, not replaced" in res.output, res.output
    res = CliRunner().invoke(cli, ["fix", "--map", str(tmp_path / "raw.json"), str(sim.raw_frames[0]),
                                   "--out-dir", str(tmp_path / "b"), "--replace"])  # fmt: skip
    assert res.exit_code == 0 and "compensated" not in res.output, res.output
