"""Frame kinds: one strategy per kind, whose coordinate maps are each other's inverse."""

from __future__ import annotations

import pytest

from hotpixels.errors import ParameterError
from hotpixels.frames import FrameKind, strategy_for


@pytest.mark.parametrize("kind", list(FrameKind))
def test_position_and_subpixel_are_inverse(kind):
    s = strategy_for(kind)
    shape = s.analysed_shape(12, 8, 3)
    names = s.channel_names(shape[2], "GRBG")
    for row in range(shape[0]):
        for col in range(shape[1]):
            for k in range(shape[2]):
                x, y = s.position(row, col, k)
                assert 0 <= x < 12 and 0 <= y < 8
                assert s.subpixel(x, y, names[k], "GRBG")[:2] == (row, col)
    assert s.map_size(shape) == (12, 8)


def test_raw_channels_are_the_pattern_and_each_photosite_is_its_own_plane():
    s = strategy_for("raw")
    assert s.channel_names(4, "BGGR") == ("B", "G", "G", "R")
    assert {s.subpixel(x, y, "", "")[2] for x in (4, 5) for y in (6, 7)} == {0, 1, 2, 3}
    assert not s.smeared and not s.fork_safe and s.repaired_suffix == ".tif"
    assert strategy_for(FrameKind.IMAGE).smeared and strategy_for("image").match_radius == 2


def test_an_unknown_frame_is_a_parameter_error():
    with pytest.raises(ParameterError, match="frame must be 'image' or 'raw'"):
        strategy_for("mosaic")
