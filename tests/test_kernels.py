"""The kernels: numba and numpy give identical results."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from hotpixels import kernels
from hotpixels.detect import evidence
from hotpixels.stats import Accumulator


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("shape", [(2, 2, 1), (37, 41, 3), (5, 70, 1)])
def test_numba_and_numpy_kernels_agree(dtype, shape):
    pytest.importorskip("numba")
    rng = np.random.default_rng(1)
    frames = rng.integers(0, np.iinfo(dtype).max, (3, *shape), dtype=dtype)
    bits = 8 if dtype == np.uint8 else 16
    a, b = Accumulator.empty(shape, bits), Accumulator.empty(shape, bits)
    for sign in (1, 1, -1, 0):
        for state, fast in ((a.state, True), (b.state, False)):
            kernels.update_rows(state, frames, 0, shape[0], [90, 40, 5], sign,
                                 encs=[7, 9, 3], use_numba=fast)  # fmt: skip
    assert (a.seen.any() and a.last.any()) or shape[0] * shape[1] < 100
    assert all(np.array_equal(x, y) for x, y in zip(a.state, b.state, strict=True))
    assert np.array_equal(kernels.block_sums(frames[0], use_numba=True),
                          kernels.block_sums(frames[0], use_numba=False))  # fmt: skip
    assert np.array_equal(kernels.residual_histogram(frames[0], use_numba=True),
                          kernels.residual_histogram(frames[0], use_numba=False))  # fmt: skip


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("shape", [(2, 2, 1), (37, 41, 3), (70, 130, 3)])
def test_numba_and_numpy_detection_agree(dtype, shape, monkeypatch):
    pytest.importorskip("numba")
    rng = np.random.default_rng(3)
    top = np.iinfo(dtype).max
    acc = Accumulator()
    for _ in range(9):  # enough frames for the decoupling test (DECOUPLING_MIN_FRAMES)
        scene = rng.integers(0, top // 3, (*shape[:2], 1), dtype=dtype)
        frame = rng.integers(0, top // 3, shape, dtype=dtype) + scene
        frame[1, 1] = top  # a hot pixel, and a stuck one where there is room
        frame[-1, -1] = top // 2
        acc.update(frame)
    both = []
    for flag in (True, False):
        monkeypatch.setattr(kernels, "USE_NUMBA", flag)
        if not flag:  # the numpy path must not need the numba module
            monkeypatch.setitem(sys.modules, "hotpixels.kernels.numba_impl", None)
        both.append(evidence(acc))
    a, b = both
    for name in ("z", "decoupling", "best", "dominant"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.best.max() > 1.0  # the injected defects are above the line


def test_subtracting_a_frame_restores_the_state():
    rng = np.random.default_rng(2)
    frames = rng.integers(0, 255, (2, 20, 30, 3), dtype=np.uint8)
    acc = Accumulator()
    acc.update(frames[0])
    before = acc.copy()
    kernels.update_rows(acc.state, frames[1:], 0, 20, [40], 1)
    kernels.update_rows(acc.state, frames[1:], 0, 20, [40], -1)
    assert acc == before


@pytest.mark.parametrize(("dtype", "per_channel"), [(np.uint8, False), (np.uint16, False), (np.uint16, True)])
def test_numba_and_numpy_clip_boxes_and_masked_updates_agree(dtype, per_channel):
    pytest.importorskip("numba")
    from hotpixels.kernels.clipping import Clipping, stack_boxes

    rng = np.random.default_rng(5)
    top = np.iinfo(dtype).max
    channels = 4 if per_channel else 3
    frames = rng.integers(0, top // 2, (3, 37, 41, channels), dtype=dtype)
    frames[:, 10:14, 10:14] = top  # a clipped highlight in every frame
    frames[2, 0:2, 39:41] = top  # one in a corner
    frames[1, 30, 5, 0] = top  # a lone clipped subpixel: a defect's own business
    clip = Clipping(int(0.94 * top), 3, per_channel, 2 if per_channel else 3)
    a, b = ([kernels.clip_boxes(f, clip.level, clip.radius, per_channel, clip.area, use_numba=flag)
             for f in frames] for flag in (True, False))  # fmt: skip
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert a[1].min(axis=0)[0] == 10 - 3 and a[1].max(axis=0)[1] == 13 + 3  # the area, widened
    assert not any((bx[0] <= 30 <= bx[1]) for bx in a[1])  # nothing around the lone one
    assert len(a[2]) > len(a[0]) and a[2][:, 3].max() == 40  # the corner one, clipped to the frame
    boxes = stack_boxes(a)
    states = []
    for flag in (True, False):
        acc = Accumulator.empty(frames.shape[1:], 8 if dtype == np.uint8 else 16)
        kernels.update_rows(acc.state, frames, 0, 37, [40, 30, 20], 1, encs=[65535, 65534, 65533],
                            boxes=boxes, use_numba=flag)  # fmt: skip
        states.append(acc)
    assert all(np.array_equal(x, y) for x, y in zip(states[0].state, states[1].state, strict=True))
    plain = Accumulator.empty(frames.shape[1:], 8 if dtype == np.uint8 else 16)
    kernels.update_rows(plain.state, frames, 0, 37, [40, 30, 20], 1)
    assert np.array_equal(plain.s1, states[0].s1) and not np.array_equal(plain.nexc, states[0].nexc)
    assert np.array_equal(plain.nexc[25:], states[0].nexc[25:])  # rows outside every box: as ever
    for flag in (True, False):
        acc = states[0].copy()
        kernels.update_rows(acc.state, frames, 0, 37, [40, 30, 20], -1, boxes=boxes, use_numba=flag)
        assert not any(x.any() for x in acc.state[:4])  # subtracting restores the sums
    assert kernels.clip_boxes(frames[0] // 4, clip.level, 3, per_channel) is None  # nothing clipped


XTRANS = "GGRGGBGGBGGRBRGRBGGGBGGRGGRGGBRBGBRG"


def test_xtrans_neighbours_are_the_nearest_photosites_of_the_same_colour():
    offsets = kernels.mosaic_offsets(XTRANS)
    table = kernels.neighbour_table(XTRANS)
    assert offsets.shape == (36, kernels.NEIGHBOURS, 2) and table.shape == (36, kernels.NEIGHBOURS, 3)
    for k in range(36):
        ky, kx = divmod(k, 6)
        mine = {(int(dy), int(dx)) for dy, dx in offsets[k]}
        assert len(mine) == kernels.NEIGHBOURS and (0, 0) not in mine
        steps = [(dy, dx) for dy in range(-6, 7) for dx in range(-6, 7) if (dy, dx) != (0, 0)]
        same = [(dy, dx) for dy, dx in steps if XTRANS[6 * ((ky + dy) % 6) + (kx + dx) % 6] == XTRANS[k]]
        assert all((dy, dx) in same for dy, dx in mine)  # its own colour
        farthest = max(dy * dy + dx * dx for dy, dx in mine)
        assert all(dy * dy + dx * dx >= farthest for dy, dx in same if (dy, dx) not in mine)  # the nearest
        for (dy, dx), (ty, tx, plane) in zip(offsets[k], table[k], strict=True):  # the same, in the planes
            y, x = ky + 6 + int(dy), kx + 6 + int(dx)  # from plane pixel (1, 1)
            assert (y // 6 - 1, x // 6 - 1, y % 6 * 6 + x % 6) == (ty, tx, plane)
    assert kernels.neighbour_table("RGGB") is None and kernels.mosaic_offsets("") is None


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_numba_and_numpy_agree_with_an_xtrans_table(dtype):
    pytest.importorskip("numba")
    from hotpixels.kernels.clipping import Clipping, stack_boxes

    table = kernels.neighbour_table(XTRANS)
    rng = np.random.default_rng(7)
    top = np.iinfo(dtype).max
    frames = rng.integers(0, top // 2, (3, 13, 11, 36), dtype=dtype)
    frames[1, 4:8, 3:7] = top  # a highlight, for the clip boxes
    frame = frames[0]
    r = kernels.band_residual(frame, 0, 13, table)
    for y, x, c in [(0, 0, 0), (5, 4, 17), (12, 10, 35), (6, 0, 9)]:  # interior and mirrored edges
        around = sum(int(frame[q]) for q in kernels.neighbour_points(y, x, c, frame.shape, table))
        assert int(r[y, x, c]) == 8 * int(frame[y, x, c]) - around
    clip = Clipping(int(0.94 * top), 1, True, 2)
    boxes = stack_boxes([kernels.clip_boxes(f, clip.level, clip.radius, True, clip.area) for f in frames])
    states = []
    for flag in (True, False):
        acc = Accumulator.empty(frames.shape[1:], 8 if dtype == np.uint8 else 16)
        for sign in (1, 1, -1):
            kernels.update_rows(acc.state, frames, 0, 13, [40, 30, 20], sign, encs=[65535, 65534, 65533],
                                boxes=boxes, table=table, use_numba=flag)  # fmt: skip
        states.append(acc)
    assert all(np.array_equal(x, y) for x, y in zip(states[0].state, states[1].state, strict=True))
    assert states[0].nexc.any() and states[0].seen.any()
    plain = Accumulator.empty(frames.shape[1:], 8 if dtype == np.uint8 else 16)
    kernels.update_rows(plain.state, frames, 0, 13, [40, 30, 20], 1, encs=[65535, 65534, 65533])
    assert not np.array_equal(plain.nexc, states[0].nexc)  # the table changes what a neighbour is
    acc = states[0]
    terms = [kernels.band_terms(acc.s1, acc.s2, acc.srr, 3, 2, 11, unit=1.0, min_var=0.5,
                                exact=dtype == np.uint8, table=table, use_numba=flag)
             for flag in (True, False)]  # fmt: skip
    assert all(np.array_equal(a, b) for a, b in zip(*terms, strict=True))
