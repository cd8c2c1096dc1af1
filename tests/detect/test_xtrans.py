"""Fujifilm X-Trans (6x6) mosaics: found on the mosaic's 36 planes, repaired from
photosites of the same colour, exported in the RAW frame."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from hotpixels.cli import cli
from hotpixels.mosaic import colour_at, photosite, plane_of, to_planes
from hotpixels.sim.evaluate import evaluate
from hotpixels.sim.sensor import XTRANS_PATTERN, pattern_letters
from hotpixels.sim.style import CameraStyle

#: 30 photos of 960x720 (a plane is 160x120: smaller frames give the repeat test, whose
#: thumbnail has 32-pixel blocks, too few blocks to tell scenes apart), with clean twins.
XTRANS_SET = {"frames": 30, "size": "960x720", "clean": True, "style": CameraStyle(xtrans=True)}


def test_planes_of_a_6x6_tile_hold_one_colour_each():
    cfa = pattern_letters(XTRANS_PATTERN)
    m = np.arange(24 * 18).reshape(18, 24)
    planes = to_planes(m, period=6)
    assert planes.shape == (3, 4, 36)
    for k in range(36):
        for py in range(3):
            for px in range(4):
                x, y = photosite(py, px, k, 6)
                assert planes[py, px, k] == m[y, x] and plane_of(x, y, 6) == (py, px, k)
        # every photosite of a plane has one colour
        assert len({colour_at(cfa, *photosite(py, px, k, 6)) for py in range(3) for px in range(4)}) == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_xtrans_defects_of_every_kind_are_found(raw_sims, seed):
    sim, result, [gm] = raw_sims(seed, **XTRANS_SET)
    assert not result.failures and gm.dmap is not None
    assert len(gm.dmap.cfa) == 36 and gm.dmap.frame == "raw"
    assert gm.group.key.label().endswith("960x720 RAW X-Trans")
    ev = evaluate(gm.dmap, sim.truth_path)
    assert ev.recall == 1.0 and ev.precision >= 0.98, ev.to_dict()
    assert {t.kind for t in sim.defects} == {"hot", "warm", "stuck", "dead"}


def test_xtrans_repair_comes_close_to_the_twin_and_develops(raw_sims, tmp_path):
    from hotpixels.io.raw import read_mosaic
    from hotpixels.repair.pixels import repair_mosaic

    sim, _, [gm] = raw_sims(1, **XTRANS_SET)
    pixels = gm.dmap.repair_pixels()
    m, _ = read_mosaic(sim.raw_frames[0])
    c = read_mosaic(sim.clean_raw_frames[0])[0].astype(float)
    repaired = repair_mosaic(m, pixels, cfa=gm.dmap.cfa)
    before = np.mean([abs(float(m[y, x]) - c[y, x]) for x, y in pixels])
    after = np.mean([abs(float(repaired[y, x]) - c[y, x]) for x, y in pixels])
    assert after < 0.1 * before, (before, after)
    untouched = np.ones(m.shape, bool)
    untouched[tuple(np.array(pixels)[:, ::-1].T)] = False
    assert np.array_equal(repaired[untouched], m[untouched])
    gm.dmap.save(tmp_path / "xt.json")
    res = CliRunner().invoke(cli, ["fix", "--map", str(tmp_path / "xt.json"), str(sim.raw_frames[0]),
                                   "--out-dir", str(tmp_path / "fixed")])  # fmt: skip
    assert res.exit_code == 0 and (tmp_path / "fixed" / "frame_0000.tif").exists(), res.output
    res = CliRunner().invoke(cli, ["export", str(tmp_path / "xt.json"), "-f", "dcraw", "-o", "-"])
    assert res.exit_code == 0 and len(res.output.splitlines()) == len(pixels)


def test_xtrans_report_shows_crops_repaired_like_fix(raw_sims, tmp_path):
    pytest.importorskip("jinja2")
    pytest.importorskip("matplotlib")
    from hotpixels.report.crops import defect_crops

    sim, _, [gm] = raw_sims(1, **XTRANS_SET)
    crops = defect_crops(gm.dmap, sim.raw_frames[:6], limit=3)
    assert len(crops) == 3
    from hotpixels.io.raw import develop
    from hotpixels.repair.pixels import repair_mosaic
    from hotpixels.report.crops import HALF

    pixels, responses = gm.dmap.repair_pixels(), gm.dmap.responses()
    for c in crops:  # the photo developed as fix repairs it: from same-colour photosites
        def fix(m):
            repair_mosaic(m, pixels, in_place=True, responses=responses, cfa=gm.dmap.cfa)

        fixed = develop(c.photo, prepare=fix)
        d = c.defect
        crop = fixed[max(d.y - HALF, 0) : d.y + HALF + 1, max(d.x - HALF, 0) : d.x + HALF + 1] >> 8
        assert np.array_equal(c.after, crop.astype(np.uint8)) and (c.before != c.after).any()
