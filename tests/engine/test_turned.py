"""Photos stored turned a quarter are brought back to the sensor's frame, or left out."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from hotpixels.engine import bring_back_turned, make_plan
from hotpixels.io.decode import decode
from hotpixels.sim.camera import simulate

_CLOCKWISE = Image.Transpose.ROTATE_270  # PIL turns counter-clockwise


def _turn(path, way, *, orientation: int | None = None, **save) -> None:
    with Image.open(path) as im:
        im.load()
    exif = im.getexif()
    if orientation is not None:
        exif[0x0112] = orientation
    im.transpose(way).save(path, exif=exif, **save)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_turned_jpegs_are_brought_back_whichever_way(tmp_path, seed):
    sim = simulate(tmp_path, frames=16, size="320x240", seed=seed)
    ways = {0: (_CLOCKWISE, 1), 5: (Image.Transpose.ROTATE_90, 3), 9: (_CLOCKWISE, 1),
            12: (Image.Transpose.ROTATE_90, 3)}  # fmt: skip
    for i, (way, _) in ways.items():  # an editor re-encodes them
        _turn(sim.frames[i], way, quality=90)
    plan = bring_back_turned(make_plan(sim.frames))
    [group] = plan.groups
    turns = {info.path: info.turn for info in group.files}
    assert plan.failures == [] and len(group.files) == 16
    assert {i: turns[sim.frames[i]] for i in ways} == {i: q for i, (_, q) in ways.items()}
    assert [i.path for i in group.files] == sorted(sim.frames)  # accumulated in path order
    assert sorted(i.rank for i in group.files) == list(range(16))
    assert all(decode(i).shape == (240, 320, 3) for i in group.files[:6])


def test_a_turned_png_decodes_to_the_stored_frame_exactly(tmp_path):
    sim = simulate(tmp_path, frames=8, size="256x192", seed=4, fmt="png")
    before = decode(make_plan([sim.frames[3]]).groups[0].files[0])
    _turn(sim.frames[3], Image.Transpose.ROTATE_90, orientation=6)  # and a tag that lies
    plan = bring_back_turned(make_plan(sim.frames))
    info = next(i for i in plan.groups[0].files if i.path == sim.frames[3])
    assert info.turn == 3 and np.array_equal(decode(info), before)
    out = np.empty_like(before)
    assert decode(info, out) is out and np.array_equal(out, before)


def test_without_defects_a_turned_photo_is_left_out_with_the_reason(tmp_path):
    sim = simulate(tmp_path, frames=8, size="256x192", seed=4, fmt="png", defects=False)
    _turn(sim.frames[2], _CLOCKWISE)
    seen = []
    plan = bring_back_turned(make_plan(sim.frames), progress=lambda p, e: seen.append((p, e)))
    assert [p for p, _ in plan.failures] == [sim.frames[2]] and seen == plan.failures
    assert "do not show which way" in plan.failures[0][1]
    assert sim.frames[2] not in [i.path for i in plan.groups[0].files]
    assert sorted(i.rank for i in plan.groups[0].files) == list(range(7))  # ranks close up


def test_an_upright_photo_with_a_portrait_tag_stays_as_stored(tmp_path):
    sim = simulate(tmp_path, frames=6, size="256x192", seed=4, fmt="png")
    with Image.open(sim.frames[1]) as im:
        im.load()
    exif = im.getexif()
    exif[0x0112] = 8  # "turn for display": the stored pixels are the sensor's
    im.save(sim.frames[1], exif=exif)
    [group] = bring_back_turned(make_plan(sim.frames)).groups
    assert len(group.files) == 6 and all(i.turn == 0 for i in group.files)
