"""Camera styles: other demosaics, sharpening, noise reduction, recurring highlights and
more defects, each from its own random stream (the default camera is unchanged)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from hotpixels.errors import ParameterError
from hotpixels.sim.camera import simulate
from hotpixels.sim.defects import PAIRS, STUCK_LEVELS
from hotpixels.sim.sensor import CFA_PATTERN, SENSITIVITY, WHITE
from hotpixels.sim.style import CameraStyle, develop_styled


def _pixels(sim) -> list[np.ndarray]:
    return [np.asarray(Image.open(p)) for p in sim.frames]


def test_the_default_style_is_the_default_camera(tmp_path):
    a = simulate(tmp_path / "a", frames=2, size="256x192", seed=3)
    b = simulate(tmp_path / "b", frames=2, size="256x192", seed=3, style=CameraStyle())
    assert all(np.array_equal(x, y) for x, y in zip(_pixels(a), _pixels(b), strict=True))
    assert a.defects == b.defects


@pytest.mark.parametrize("style", [CameraStyle(demosaic="vng"), CameraStyle(demosaic="ea"),
                                   CameraStyle(sharpen=1.0), CameraStyle(denoise=0.5),
                                   CameraStyle(noise=2.0), CameraStyle(matrix=1.0)])  # fmt: skip
def test_each_style_changes_the_photos_but_not_the_defects(tmp_path, style):
    pytest.importorskip("cv2")
    a = simulate(tmp_path / "a", frames=2, size="256x192", seed=3)
    b = simulate(tmp_path / "b", frames=2, size="256x192", seed=3, style=style)
    assert not np.array_equal(_pixels(a)[0], _pixels(b)[0])
    assert a.defects == b.defects  # the same sensor


def _grey_mosaic(size: int) -> tuple[np.ndarray, np.ndarray]:
    """A square RGGB mosaic of a 30 % grey, and the channel index of each photosite."""
    chan = CFA_PATTERN[np.arange(size)[:, None] % 2, np.arange(size)[None, :] % 2]
    return np.round(0.3 * WHITE * SENSITIVITY[chan]).astype(np.uint16), chan


def test_a_colour_matrix_keeps_greys_and_mixes_colours():
    grey, chan = _grey_mosaic(16)
    plain, mixed = develop_styled(grey, CameraStyle()), develop_styled(grey, CameraStyle(matrix=1.0))
    assert np.abs(mixed.astype(int) - plain.astype(int)).max() <= 1  # grey stays grey
    red = np.where(chan == 0, grey, grey // 3).astype(np.uint16)  # a red
    plain, mixed = develop_styled(red, CameraStyle()), develop_styled(red, CameraStyle(matrix=1.0))
    assert mixed[..., 0].mean() > plain[..., 0].mean() + 10  # more saturated ...
    assert mixed[..., 1].mean() < plain[..., 1].mean()  # ... at the other channels' cost


@pytest.mark.parametrize("demosaic", ["vng", "ea"])
def test_a_photosite_on_the_edge_shows_in_every_demosaic(demosaic):
    # OpenCV fills the outer rows from inside: a hot green photosite on the first row
    # vanished from edge-aware photos, while the truth listed it.
    pytest.importorskip("cv2")
    mosaic, _ = _grey_mosaic(32)
    mosaic[0, 13] = WHITE  # green, on the first row
    rgb = develop_styled(mosaic, CameraStyle(demosaic=demosaic)).astype(int)
    assert rgb.shape == (32, 32, 3)
    assert rgb[0, 13, 1] > np.median(rgb[0, :, 1]) + 50


def test_extra_defects_pairs_stuck_levels_highlights_and_late(tmp_path):
    style = CameraStyle(pairs=True, stuck_range=True, highlights=3, late=0.5)
    sim = simulate(tmp_path, frames=10, size="640x480", seed=2, style=style)
    pairs = [d for d in sim.defects if d.note.startswith("adjacent pair ")]
    assert len(pairs) == 2 * len(PAIRS)
    assert {d.note[-2:] for d in pairs} == {"RG", "GB", "RB", "GG"}
    for a, b in zip(pairs[::2], pairs[1::2], strict=True):
        assert max(abs(a.x - b.x), abs(a.y - b.y)) == 1
    stuck = [d for d in sim.defects if d.note.startswith("stuck at")]
    assert len(stuck) == len(STUCK_LEVELS)
    late = next(d for d in sim.defects if d.note == "appears later")
    assert late.first_frame == 5
    doc = json.loads(sim.truth_path.read_text())
    assert len(doc["highlights"]) == 3 and doc["style"]["pairs"] is True
    # a highlight is clipped at its place in some frames, not in all
    x, y = doc["highlights"][0]["x"], doc["highlights"][0]["y"]
    shown = [int(f[y - 1 : y + 2, x - 1 : x + 2].min(axis=2).max()) >= 225 for f in _pixels(sim)]
    assert 0 < sum(shown) < len(shown)


def test_bad_styles_are_refused():
    with pytest.raises(ParameterError, match="demosaic must be one of"):
        CameraStyle(demosaic="ahd")
    with pytest.raises(ParameterError, match="late must be"):
        CameraStyle(late=1.5)
