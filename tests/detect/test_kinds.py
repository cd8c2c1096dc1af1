"""Kinds that mean something: stuck at any level (a value that ignores the scene), hot
and warm by the offset in linear light, dead when dark; in developed photos and RAW."""

from __future__ import annotations

import numpy as np
import pytest

from hotpixels.detect.evidence import evidence
from hotpixels.detect.kinds import classify
from hotpixels.frames import IMAGE
from hotpixels.pipeline import find
from hotpixels.sim.camera import simulate
from hotpixels.sim.style import SETS, CameraStyle
from hotpixels.stats import Accumulator


def _kinds(dmap, sim):
    """(true kind, found kind, note) of every true defect found within 2 px."""
    out = []
    for t in sim.defects:
        near = [d for d in dmap.defects if abs(d.x - t.x) <= 2 and abs(d.y - t.y) <= 2]
        if near:
            best = min(near, key=lambda d: (abs(d.x - t.x) + abs(d.y - t.y), -d.score))
            out.append((t.kind, best.kind, t.note))
    return out


def _right(kinds) -> float:
    ok = [found == true or (true == "stuck" and found == "hot" and "90%" in note)
          for true, found, note in kinds]  # fmt: skip
    return sum(ok) / len(ok)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_jpeg_kinds_right_and_stuck_at_dark_and_mid_levels(tmp_path, seed):
    sim = simulate(tmp_path, frames=30, size="640x480", seed=seed,
                   style=CameraStyle(stuck_range=True, pairs=True))  # fmt: skip
    _, [gm] = find(sim.frames)
    kinds = _kinds(gm.dmap, sim)
    assert _right(kinds) >= 0.9, kinds
    # Dark and mid levels: before, these were dead and hot. (Stuck near the scenes' own
    # level, 70 %, has little excess and is sometimes found a pixel off as warm.)
    mid = [found for true, found, note in kinds if note in ("stuck at 30%", "stuck at 50%")]
    assert len(mid) == 2 and all(k == "stuck" for k in mid), kinds


@pytest.mark.parametrize("seed", [1, 2])
def test_raw_stuck_at_every_level_is_stuck(tmp_path, seed):
    pytest.importorskip("rawpy")
    pytest.importorskip("tifffile")
    sim = simulate(tmp_path, frames=25, size="480x360", seed=seed, raw=True, fmt="png",
                   style=CameraStyle(stuck_range=True))  # fmt: skip
    _, [gm] = find(sim.raw_frames)
    kinds = _kinds(gm.dmap, sim)
    stuck = [(found, note) for true, found, note in kinds if true == "stuck" and "90%" not in note]
    assert len(stuck) >= 5 and all(k == "stuck" for k, _ in stuck), kinds
    assert all(found == "dead" for true, found, _ in kinds if true == "dead"), kinds


def _one_pixel(values, scene) -> str:
    acc = Accumulator.empty((5, 5, 1), 8)
    for v, s in zip(values, scene, strict=True):
        frame = np.full((5, 5, 1), s, np.uint8)
        frame[2, 2] = v
        acc.update(frame)
    return classify(evidence(acc), 2, 2, 0, IMAGE)


def test_scene_line_tells_each_kind():
    scene = np.linspace(30, 200, 12).round().astype(int)
    assert _one_pixel([90] * 12, scene) == "stuck"  # ignores the scene at 35 %
    assert _one_pixel([3] * 12, scene) == "dead"
    assert _one_pixel([250] * 12, scene) == "hot"  # saturated: hot (looks stuck at full)
    assert _one_pixel(np.minimum(scene + 60, 255), scene) == "hot"
    assert _one_pixel(scene + 8, scene) == "warm"


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("name", ["jpeg-vng", "few-15"])
def test_warm_of_sharpened_and_vng_cameras_stays_warm(tmp_path, name, seed):
    # VNG on gamma-encoded values and in-camera sharpening move a warm photosite's
    # excess into its centre pixel and bend its slope: kinds were right for 0.74-0.84
    # of these defects; the slope in linear light and the excess as the smear adds up
    # bring them to 0.86-0.94.
    if name == "jpeg-vng":
        pytest.importorskip("cv2")
    sim = simulate(tmp_path, size="640x480", seed=seed, **SETS[name])
    _, [gm] = find(sim.frames)
    kinds = _kinds(gm.dmap, sim)
    assert _right(kinds) >= 0.85, kinds
    warm = [found for true, found, _ in kinds if true == "warm"]
    assert sum(k == "warm" for k in warm) >= len(warm) / 2, kinds


@pytest.mark.parametrize("seed", [2, 3])
def test_hot_red_and_blue_through_a_colour_matrix_keep_their_colour(tmp_path, seed):
    # A camera's colour matrix darkens green beside a hot red or blue photosite, and as
    # that colour clips, green showed the stronger excess: 10 of 11 such defects (seeds
    # 1-5) were reported as dead or warm green, most with a second green entry beside.
    sim = simulate(tmp_path, size="640x480", seed=seed, **SETS["jpeg-matrix"])
    _, [gm] = find(sim.frames)
    lone = [t for t in sim.defects
            if t.kind == "hot" and t.channel in "RB" and not t.note.startswith("adjacent")]  # fmt: skip
    assert len(lone) >= 3
    for t in lone:
        near = [d for d in gm.dmap.defects if abs(d.x - t.x) <= 2 and abs(d.y - t.y) <= 2]
        assert [(d.channel, d.kind) for d in near] == [(t.channel, "hot")], (t, near)


@pytest.mark.parametrize("seed", [1, 2])
def test_hot_partners_of_a_pair_through_a_colour_matrix_stay_hot(sim_factory, seed):
    # Beside a full-scale red or blue, a colour matrix takes part of a green partner's
    # excess away (its negative weights), so a green at 35 % read warm (seeds 1-5 of the
    # colour-matrix set: 7 of its 29 wrong kinds); this camera's lone defects say how
    # much, and it is added back.
    sim, _, [gm] = sim_factory(frames=30, size="640x480", seed=seed,
                               style=CameraStyle(matrix=1.0, pairs=True))  # fmt: skip
    partners = [t for t in sim.defects if t.note.startswith("adjacent pair") and t.kind == "hot"]
    assert len(partners) == 14
    read = 0
    for t in partners:
        kinds = [d.kind for d in gm.dmap.defects
                 if max(abs(d.x - t.x), abs(d.y - t.y)) <= 1 and d.channel == t.channel]  # fmt: skip
        assert set(kinds) <= {"hot"}, (t, kinds)
        read += bool(kinds)
    assert read >= 13
