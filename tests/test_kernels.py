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
