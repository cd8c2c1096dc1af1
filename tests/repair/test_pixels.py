"""Pixel repair: the weighted mean of valid neighbours, every mode, RAW mosaics."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from hotpixels.repair.pixels import correct_image, correct_pixels, repair_mosaic

D = 1 / np.sqrt(2)


def test_weighted_mean_of_eight_neighbours():
    a = np.array([[10, 20, 30], [40, 255, 60], [70, 80, 90]], np.uint8)
    expect = ((20 + 40 + 60 + 80) + D * (10 + 30 + 70 + 90)) / (4 + 4 * D)
    assert correct_pixels(a, [(1, 1)])[1, 1] == round(expect)


@pytest.mark.parametrize(("x", "y"), [(0, 0), (4, 0), (0, 3), (4, 3), (2, 0), (0, 2)])
def test_borders_and_corners_use_only_inside_neighbours(x, y):
    rng = np.random.default_rng(x * 10 + y)
    a = rng.integers(0, 200, (4, 5), dtype=np.uint8)
    a[y, x] = 255
    total = wsum = 0.0
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            yy, xx = y + dy, x + dx
            if (dy or dx) and 0 <= yy < 4 and 0 <= xx < 5:
                w = D if dy and dx else 1.0
                total += w * a[yy, xx]
                wsum += w
    out = correct_pixels(a, [(x, y)])
    assert out[y, x] == round(total / wsum)
    mask = np.ones_like(a, bool)
    mask[y, x] = False
    assert np.array_equal(out[mask], a[mask])


def test_defective_neighbours_are_not_used():
    a = np.full((5, 5), 50, np.uint8)
    a[2, 2] = a[2, 3] = 255
    out = correct_pixels(a, [(2, 2), (3, 2)])
    assert out[2, 2] == 50 and out[2, 3] == 50


def test_cluster_filled_from_outside():
    a = np.full((7, 7), 100, np.uint8)
    a[2:5, 2:5] = 255
    out = correct_pixels(a, [(x, y) for x in range(2, 5) for y in range(2, 5)])
    assert (out == 100).all()


def test_outside_pixel_is_an_error():
    with pytest.raises(ValueError, match="outside the image"):
        correct_pixels(np.zeros((4, 4), np.uint8), [(4, 0)])


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "P", "I;16", "I", "F", "CMYK"])
def test_every_mode_keeps_mode_and_untouched_pixels(mode):
    rng = np.random.default_rng(1)
    base = Image.fromarray(rng.integers(0, 255, (12, 16, 3), dtype=np.uint8))
    if mode == "P":
        img = base.quantize(16)
    elif mode == "I;16":
        arr = rng.integers(0, 65535, (12, 16)).astype("<u2")
        img = Image.frombytes("I;16", (16, 12), arr.tobytes())
    else:
        img = base.convert(mode)
    out = correct_image(img, [(3, 4), (0, 0)])
    assert out.mode == img.mode and out.size == img.size
    a, b = np.asarray(img), np.asarray(out)
    mask = np.ones(a.shape[:2], bool)
    mask[4, 3] = mask[0, 0] = False
    assert np.array_equal(a[mask], b[mask])


def test_alpha_untouched_and_16bit_values():
    img = Image.new("RGBA", (5, 5), (10, 20, 30, 200))
    img.putpixel((2, 2), (255, 255, 255, 17))
    assert correct_image(img, [(2, 2)]).getpixel((2, 2)) == (10, 20, 30, 17)
    arr = np.full((5, 5), 40000, "<u2")
    arr[2, 2] = 65535
    img16 = Image.frombytes("I;16", (5, 5), arr.tobytes())
    assert correct_image(img16, [(2, 2)]).getpixel((2, 2)) == 40000


def test_repair_mosaic_uses_same_colour_photosites_and_skips_defects():
    rng = np.random.default_rng(0)
    mosaic = rng.integers(900, 1100, (10, 12)).astype(np.uint16)
    mosaic[1::2, 0::2] += 2000  # one colour much brighter: mixing colours would show
    bad = [(4, 4), (6, 4), (5, 5), (0, 0)]  # (6, 4) is (4, 4)'s same-colour neighbour
    for x, y in bad:
        mosaic[y, x] = 4095
    out = repair_mosaic(mosaic, bad)
    changed = np.argwhere(out != mosaic)
    assert sorted((int(x), int(y)) for y, x in changed) == sorted(bad)
    w = 1 / np.sqrt(2)
    ring = [(0, -2, 1), (2, 0, 1), (-2, 0, 1), (2, 2, w), (-2, 2, w), (2, -2, w), (-2, -2, w)]
    num = sum(wt * float(mosaic[4 + dy, 4 + dx]) for dy, dx, wt in ring)
    assert out[4, 4] == round(num / sum(wt for *_, wt in ring))  # row 4, column 6 skipped
    assert 900 <= out[5, 5] <= 1100  # from its own colour, not the bright one beside it
    assert out[0, 0] < 1200


def test_repair_of_an_xtrans_mosaic_takes_the_nearest_photosites_of_its_colour():
    from hotpixels.kernels import mosaic_offsets
    from hotpixels.sim.sensor import XTRANS_PATTERN, pattern_letters

    cfa = pattern_letters(XTRANS_PATTERN)
    rng = np.random.default_rng(4)
    level = {"R": 3000, "G": 1000, "B": 200}  # colours far apart: mixing them would show
    colour = np.array([[cfa[6 * (y % 6) + x % 6] for x in range(24)] for y in range(18)])
    mosaic = (np.vectorize(level.get)(colour) + rng.integers(0, 50, colour.shape)).astype(np.uint16)
    bad = [(7, 8), (10, 9), (0, 0)]
    for x, y in bad:
        mosaic[y, x] = 4095
    out = repair_mosaic(mosaic, bad, cfa=cfa)
    changed = np.argwhere(out != mosaic)
    assert sorted((int(x), int(y)) for y, x in changed) == sorted(bad)
    x, y = 10, 9
    steps = mosaic_offsets(cfa)[6 * (y % 6) + x % 6]
    num = sum(float(mosaic[y + dy, x + dx]) / np.hypot(dy, dx) for dy, dx in steps)
    assert out[y, x] == round(num / sum(1 / np.hypot(dy, dx) for dy, dx in steps))
    for x, y in bad:
        assert abs(int(out[y, x]) - level[colour[y, x]]) < 60  # from its own colour
