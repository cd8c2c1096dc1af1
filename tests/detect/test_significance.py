"""Decisions by significance against the number of photos: perfect cameras give empty
maps however few photos there are, and one frame is never enough."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from hotpixels.detect import DECOUPLING_MIN_FRAMES, detect_defects
from hotpixels.pipeline import find, scan
from hotpixels.report.text import group_report
from hotpixels.sim.camera import simulate
from hotpixels.sim.evaluate import evaluate
from hotpixels.sim.style import SETS

PERFECT = [(5, 1), (5, 2), (5, 3), (8, 1), (8, 3), (8, 5), (12, 3), (15, 1), (40, 2)]


@pytest.mark.parametrize(("frames", "seed"), PERFECT)
def test_a_perfect_camera_gets_an_empty_map_with_few_photos_too(tmp_path, frames, seed):
    sim = simulate(tmp_path, frames=frames, size="640x480", seed=seed, defects=False)
    _, [gm] = find(sim.frames)
    assert gm.dmap is not None and gm.dmap.defects == []


@pytest.mark.parametrize(("frames", "seed"), [(15, 1), (15, 4), (30, 3)])
def test_a_perfect_camera_gets_an_empty_map_from_lossless_photos_too(tmp_path, frames, seed):
    # Without JPEG's noise the pixels where a channel was sampled spread wider than
    # the interpolated ones; taken at the tile's scale, about 100 stood out. (With 5 or
    # 8 lossless photos a few still do: see DESIGN, known limits.)
    sim = simulate(tmp_path, frames=frames, size="640x480", seed=seed, defects=False, fmt="png")
    _, [gm] = find(sim.frames)
    assert gm.dmap is not None and gm.dmap.defects == []


@pytest.mark.parametrize("seed", [4, 5])
def test_an_edge_that_recurs_in_a_few_lossless_photos_is_no_chain_of_defects(tmp_path, seed):
    # With 5 lossless photos, a scene edge at the same place in 2 of them left a chain of
    # 4 entries 1-6 px apart (the one of seed 5 was its whole map); such a chain outlines
    # a scene structure (hotpixels.detect.image.OUTLINE_ENTRIES).
    sim = simulate(tmp_path, frames=5, size="640x480", seed=seed, defects=False, fmt="png")
    _, [gm] = find(sim.frames)
    assert len(gm.dmap.defects) <= {4: 3, 5: 0}[seed]
    for d in gm.dmap.defects:
        close = [e for e in gm.dmap.defects if e is not d and max(abs(e.x - d.x), abs(e.y - d.y)) <= 8]
        assert not close, (d.x, d.y, [(e.x, e.y) for e in close])


def test_lossless_photos_keep_every_defect_and_nothing_else(tmp_path):
    sim = simulate(tmp_path, frames=15, size="640x480", seed=2, fmt="png")
    _, [gm] = find(sim.frames)
    ev = evaluate(gm.dmap, sim.truth_path)
    assert ev.false_positives == 0 and ev.recall == 1.0


def test_fewer_photos_than_stuck_needs_is_said(tmp_path):
    sim = simulate(tmp_path, frames=5, size="256x192", seed=4, defects=False)
    _, [gm] = find(sim.frames)
    text = group_report(gm, tmp_path / "map.json")
    assert f"{DECOUPLING_MIN_FRAMES - 5} more would tell them" in text


def test_one_frame_is_never_enough(tmp_path):
    sim = simulate(tmp_path, frames=15, size="256x192", seed=6, defects=False, fmt="png")
    frame = np.asarray(Image.open(sim.frames[3])).copy()
    frame[60, 50] = 255  # one photo's bright dot: a spark, not a defect
    Image.fromarray(frame).save(sim.frames[3])
    acc = scan(sim.frames).groups[0].acc
    assert (50, 60) not in {(d.x, d.y) for d in detect_defects(acc).defects}
    for path in sim.frames:  # the same dot in every photo is a defect
        f = np.asarray(Image.open(path)).copy()
        f[60, 50] = 255
        Image.fromarray(f).save(path)
    acc = scan(sim.frames).groups[0].acc
    assert (50, 60) in {(d.x, d.y) for d in detect_defects(acc).defects}


def test_every_defect_has_a_confidence_that_ranks_strong_above_weak(sim_factory, tmp_path):
    from hotpixels.maps.model import DefectMap

    _, _, [gm] = sim_factory(frames=20, size="256x192", seed=4, fmt="png")
    conf = {(d.x, d.y): d.confidence for d in gm.dmap.defects}
    assert all(c is not None and 0 < c <= 1 for c in conf.values())
    strong = [d.confidence for d in gm.dmap.defects if d.kind == "hot" and d.score >= 4 and not d.first_seen]
    weak = [d.confidence for d in gm.dmap.defects if d.score < 1.5]
    assert strong and min(strong) >= 0.8 and (not weak or min(weak) < min(strong))
    path = tmp_path / "m.json"
    gm.dmap.save(path)
    assert {(d.x, d.y): d.confidence for d in DefectMap.load(path).defects} == conf
    assert "conf" in group_report(gm, path).splitlines()[1]


@pytest.mark.parametrize("seed", [1, 2])
def test_faint_warm_under_high_noise_is_found_by_its_frames(tmp_path, seed):
    # Warm photosites of 8-14 % under 1.8x the noise score 0.79-0.92 (below the line)
    # but stand out in 4-10 of the 29 distinct scenes: below the line and seen in enough
    # frames is a defect; before, recall was 0.83 and 0.94 on these two seeds.
    sim = simulate(tmp_path, size="640x480", seed=seed, **SETS["burst-noisy"])
    _, [gm] = find(sim.frames)
    ev = evaluate(gm.dmap, sim.truth_path)
    assert ev.recall == 1.0 and ev.precision == 1.0, ev.to_dict()
    assert any(d.score < 1.0 for d in gm.dmap.defects)


def test_below_the_line_needs_both_score_and_frames():
    from hotpixels.detect.evidence import evidence
    from hotpixels.detect.image import SUPPORTED_FRAMES, SUPPORTED_LINE, supported
    from hotpixels.stats import Accumulator

    rng = np.random.default_rng(5)
    acc = Accumulator()
    for _ in range(30):
        _ = acc.update(rng.integers(90, 110, (64, 64, 1), dtype=np.uint8))
    ev = evidence(acc)
    ev.best[10, 10], ev.frames[10, 10, 0] = 0.8, SUPPORTED_FRAMES  # both: a defect
    ev.best[20, 20], ev.frames[20, 20, 0] = 0.8, SUPPORTED_FRAMES - 1  # too few frames
    ev.best[30, 30], ev.frames[30, 30, 0] = SUPPORTED_LINE - 0.05, 20  # too weak
    ev.dominant[[10, 20, 30], [10, 20, 30]] = 0
    assert (10, 10) in supported(ev)
    assert (20, 20) not in supported(ev) and (30, 30) not in supported(ev)
