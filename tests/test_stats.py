"""The accumulator: exact, mergeable, order-free, bounded."""

from __future__ import annotations

import numpy as np
import pytest

from hotpixels.detect import detect_defects
from hotpixels.stats import Accumulator, neighbour_residual


def _frames(n, shape=(24, 32, 3), dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    hi = 255 if dtype == np.uint8 else 65535
    return [rng.integers(0, hi, shape, dtype=dtype) for _ in range(n)]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("split", [1, 3, 7])
def test_merge_equals_single_pass_for_any_split(dtype, split):
    frames = _frames(14, dtype=dtype)
    whole = Accumulator()
    for f in frames:
        whole.update(f)
    parts = [Accumulator() for _ in range(split)]
    for i, f in enumerate(frames):
        parts[i % split].update(f)
    merged = Accumulator()
    for p in reversed(parts):
        merged = merged.merge(p)
    assert merged == whole
    assert merged.n == 14


def test_order_of_frames_does_not_matter():
    frames = _frames(10)
    for f in frames:  # a hot and a dead subpixel, so that the maps have something to agree on
        f[5, 7], f[12, 20, 1] = 255, 0
    a, b = Accumulator(), Accumulator()
    for f in frames:
        a.update(f)
    for f in frames[::-1]:
        b.update(f)
    assert a == b
    found = detect_defects(a).to_dict()["defects"]
    assert {(d["x"], d["y"]) for d in found} >= {(7, 5), (20, 12)}
    assert found == detect_defects(b).to_dict()["defects"]


def test_variance_matches_numpy_exactly_enough():
    frames = _frames(9)
    acc = Accumulator()
    for f in frames:
        acc.update(f)
    stack = np.stack(frames).astype(np.float64)
    np.testing.assert_allclose(acc.mean(), stack.mean(axis=0))
    np.testing.assert_allclose(acc.variance(), stack.var(axis=0), atol=1e-9)


def test_state_is_bounded_per_subpixel():
    acc = Accumulator()
    acc.update(_frames(1, shape=(100, 100, 3))[0])
    # about 16 bytes (issue 4), plus 2 for the latest showing (``last``, issue 14)
    assert acc.nbytes / (100 * 100 * 3) <= 18


def test_other_shape_is_refused():
    acc = Accumulator()
    acc.update(np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="does not match"):
        acc.update(np.zeros((8, 9, 3), np.uint8))


def test_residual_of_a_point():
    f = np.zeros((5, 5, 1), np.uint8)
    f[0, 0] = 8
    r = neighbour_residual(f)
    assert r[0, 0, 0] == 64  # mirrored edges: neighbours are real pixels (all 0)
    assert r[1, 1, 0] == -8
