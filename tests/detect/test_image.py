"""Detection on simulated cameras (developed photos) against their known truth."""

from __future__ import annotations

import numpy as np
import pytest

from hotpixels.detect import detect_defects, variance_ranking
from hotpixels.io.decode import probe
from hotpixels.maps.model import KINDS
from hotpixels.sim.evaluate import evaluate
from hotpixels.stats import Accumulator


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_standard_sets_f1_and_every_kind(sim_factory, seed):
    sim, result, maps = sim_factory(frames=40, size=(1600, 1200), seed=seed)
    assert not result.failures
    _, dmap, _ = maps[0]
    ev = evaluate(dmap, sim.truth_path)
    assert ev.f1 >= 0.95, ev.to_dict()
    for kind in KINDS:  # every true defect of every kind is found
        assert ev.by_kind[kind]["recall"] == 1.0, (kind, ev.to_dict())
    # the two adjacent photosites are reported as two defects
    pair = [d for d in sim.defects if d.note == "adjacent pair"]
    for d in pair:
        assert any(abs(f.x - d.x) <= 1 and abs(f.y - d.y) <= 1 for f in dmap.defects)
    near = [f for f in dmap.defects if abs(f.x - pair[0].x) <= 2 and abs(f.y - pair[0].y) <= 2]
    assert len(near) == 2
    # the defect that appears a third of the way in is dated from the photo it appeared
    # in (or one of the next two: in a JPEG it may not show on a bright area); no other
    [late] = [d for d in sim.defects if d.note == "appears later"]
    dated = [f for f in dmap.defects if f.first_seen is not None]
    assert [(abs(f.x - late.x) <= 1 and abs(f.y - late.y) <= 1) for f in dated] == [True]
    after = [probe(p).taken for p in sim.frames[late.first_frame : late.first_frame + 3]]
    assert dated[0].first_seen in after


def test_defect_free_camera_gives_empty_map(sim_factory):
    sim, _, maps = sim_factory(frames=30, size=(1600, 1200), seed=4, defects=False)
    _, dmap, _ = maps[0]
    assert dmap.defects == []
    assert sim.defects == []


def test_tripod_burst_lights_are_not_defects(sim_factory):
    sim, _result, maps = sim_factory(frames=60, size=(1600, 1200), seed=2, burst=40)
    group, dmap, _ = maps[0]
    assert len(group.repeats) >= 30  # the burst counts as one scene
    for lx, ly in sim.lights:
        assert not any(abs(d.x - lx) <= 2 and abs(d.y - ly) <= 2 for d in dmap.defects)
    assert evaluate(dmap, sim.truth_path).f1 >= 0.9


def test_fifteen_photos(sim_factory):
    sim, _, maps = sim_factory(frames=15, size=(1600, 1200), seed=3)
    _, dmap, _ = maps[0]
    assert evaluate(dmap, sim.truth_path).f1 >= 0.9


def test_finds_what_lowest_variance_misses(sim_factory):
    sim, _result, maps = sim_factory(frames=40, size=(1600, 1200), seed=1)
    group, dmap, _ = maps[0]
    lowest = variance_ranking(group.acc, 10)
    warm = [d for d in sim.defects if d.kind == "warm"]
    hits = lambda ds, t: any(abs(x - t.x) <= 2 and abs(y - t.y) <= 2 for x, y, *_ in ds)  # noqa: E731
    assert not any(hits(lowest, t) for t in warm)
    found = [(d.x, d.y) for d in dmap.defects]
    assert all(hits(found, t) for t in warm)


def test_decision_is_not_a_fixed_count():
    rng = np.random.default_rng(3)
    for n_defects in (0, 1, 13):
        acc = Accumulator()
        spots = [(int(rng.integers(5, 123)), int(rng.integers(5, 91))) for _ in range(n_defects)]
        spots = list(dict.fromkeys((x - x % 7, y - y % 7) for x, y in spots))
        for _ in range(20):
            frame = rng.integers(60, 190, (96, 128, 1), dtype=np.uint8)
            for x, y in spots:
                frame[y, x] = 255
            acc.update(frame)
        dmap = detect_defects(acc)
        assert sorted((d.x, d.y) for d in dmap.defects) == sorted(spots)


def test_too_few_frames_is_an_error():
    acc = Accumulator()
    for _ in range(3):
        acc.update(np.zeros((8, 8, 1), np.uint8))
    with pytest.raises(ValueError, match="at least 5"):
        detect_defects(acc)
