"""The evidence: tile medians."""

from __future__ import annotations

import numpy as np
import pytest

from hotpixels.detect.evidence import median_and_mad, tile_blocks


@pytest.mark.parametrize("shape", [(64, 64, 3), (64, 50, 1), (130, 200, 2)])
def test_tile_medians_leave_the_band_alone(shape):
    band = np.random.default_rng(4).random(shape, dtype=np.float32)
    keep = band.copy()
    med, mad = median_and_mad(tile_blocks(band, 64))  # sorts its blocks in place
    assert np.array_equal(band, keep)
    blocks = tile_blocks(keep, 64)
    k = blocks.shape[-1] // 2
    upper = np.sort(blocks, axis=-1)[..., k]
    assert np.array_equal(med, upper)
    assert np.array_equal(mad, np.sort(np.abs(blocks - upper[..., None]), axis=-1)[..., k])
