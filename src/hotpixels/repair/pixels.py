"""Pixel repair: replace defects by the weighted mean of their valid neighbours.

Each repaired pixel becomes the mean of its 8 neighbours weighted 1 (orthogonal) and
1/sqrt(2) (diagonal), using only neighbours inside the image that are not themselves to
be repaired. A pixel whose 8 neighbours are all defective (a cluster) is filled from the
outside in: pixels with at least one valid neighbour are repaired first and then serve
their inner neighbours. Values are rounded to nearest and clipped to the type's range;
nothing else in the image changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
from PIL import Image

from hotpixels.errors import ParameterError
from hotpixels.frames import FrameKind
from hotpixels.kernels import mosaic_offsets

__all__ = ["correct_image", "correct_pixels", "repair_mosaic", "repair_raw", "repaired_values"]

_DIAG = 1.0 / np.sqrt(2.0)
_OFFSETS = [(dy, dx, _DIAG if dy and dx else 1.0)
            for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]  # fmt: skip


def _inside(shape: tuple[int, int], pixels: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """The distinct ``(x, y)`` of ``pixels``, each checked to lie inside ``shape``."""
    h, w = shape
    out = set()
    for x, y in pixels:
        if not (0 <= x < w and 0 <= y < h):
            msg = f"pixel {x},{y} is outside the image ({w}x{h}; x is 0..{w - 1}, y 0..{h - 1})"
            raise ParameterError(msg)
        out.add((int(x), int(y)))
    return out


def _mask_of(shape: tuple[int, int], pixels: Iterable[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    for x, y in _inside(shape, pixels):
        mask[y, x] = True
    return mask


def correct_pixels(
    data: np.ndarray, pixels: Iterable[tuple[int, int]], *, channels: Iterable[int] | None = None
) -> np.ndarray:
    """Repair pixels of an array by the weighted mean of their valid neighbours.

    Parameters
    ----------
    data : (M, N) or (M, N, C) ndarray
        Image data of any integer or float type.
    pixels : iterable of (x, y)
        Positions to repair, ``x`` the column and ``y`` the row.
    channels : iterable of int, optional
        Channels to repair (default all); the others (e.g. alpha) stay untouched.

    Returns
    -------
    ndarray
        A repaired copy; only the given pixels differ from ``data``.

    Raises
    ------
    ParameterError
        If a pixel lies outside the image or every pixel is to be repaired.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.full((3, 3), 10, np.uint8); a[1, 1] = 255
    >>> int(correct_pixels(a, [(1, 1)])[1, 1])
    10
    """
    arr = np.asarray(data)
    squeeze = arr.ndim == 2
    work = arr[..., None] if squeeze else arr
    chans = list(range(work.shape[2])) if channels is None else list(channels)
    ys, xs, values = repaired_values(work, pixels, channels=chans)
    out = work.copy()
    if np.issubdtype(out.dtype, np.integer):
        info = np.iinfo(out.dtype)
        values = np.clip(np.rint(values), info.min, info.max)
    for i, c in enumerate(chans):
        out[ys, xs, c] = values[:, i].astype(out.dtype)
    return out[..., 0] if squeeze else out


def repaired_values(
    data: np.ndarray, pixels: Iterable[tuple[int, int]], *, channels: Iterable[int] | None = None,
    offsets: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The repaired values of ``pixels`` (unrounded), computed at those pixels only.

    Parameters
    ----------
    data : (M, N, C) ndarray
    pixels : iterable of (x, y)
    channels : iterable of int, optional
        Channels to repair (default all).
    offsets : (p * p, K, 2) ndarray of int, optional
        The neighbours ``(dy, dx)`` of a pixel at each place ``p (y % p) + x % p`` of a
        ``p x p`` tile (:func:`hotpixels.kernels.mosaic_offsets`), weighted by the
        inverse of their distance; default the 8 around it.

    Returns
    -------
    ys, xs : ndarray of int
        Rows and columns of the distinct pixels, in row-major order.
    values : (len(ys), len(channels)) ndarray of float64
    """
    h, w, nc = data.shape
    mask = _mask_of((h, w), pixels)
    if mask.all():
        msg = "every pixel of the image is marked for repair; nothing to repair from"
        raise ParameterError(msg)
    chans = list(range(nc)) if channels is None else list(channels)
    ys, xs = np.nonzero(mask)
    keys = ys * w + xs  # sorted
    values = np.zeros((len(ys), len(chans)))
    done = np.zeros(len(ys), bool)
    while not done.all():
        todo = np.nonzero(~done)[0]
        ty, tx = ys[todo], xs[todo]
        acc = np.zeros((len(todo), len(chans)))
        wsum = np.zeros(len(todo))
        for dy, dx, wt in _steps(offsets, ty, tx):
            yy, xx = ty + dy, tx + dx
            inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            j = np.searchsorted(keys, yy * w + xx).clip(max=len(keys) - 1)
            target = inside & (keys[j] == yy * w + xx)
            # A neighbour is valid if it is not to be repaired, or was repaired in an
            # earlier round (clusters fill from the outside in).
            plain = inside & ~target
            repaired = target & done[j]
            wp, wr = (wt, wt) if np.ndim(wt) == 0 else (wt[plain, None], wt[repaired, None])
            acc[plain] += wp * data[yy[plain], xx[plain]][:, chans]
            acc[repaired] += wr * values[j[repaired]]
            wsum[plain | repaired] += wt if np.ndim(wt) == 0 else wt[plain | repaired]
        ready = wsum > 0
        if not ready.any():  # cannot happen while one pixel is not to be repaired
            break
        values[todo[ready]] = acc[ready] / wsum[ready, None]
        done[todo[ready]] = True
    return ys, xs, values


def _steps(offsets: np.ndarray | None, ys: np.ndarray, xs: np.ndarray):
    """Each neighbour slot as ``(dy, dx, weight)``: scalars for the 8 around a pixel, or
    arrays (one per pixel) from a tile's ``offsets``."""
    if offsets is None:
        return _OFFSETS
    p = math.isqrt(len(offsets))
    mine = offsets[p * (ys % p) + xs % p]  # (n, K, 2)
    return [(mine[:, j, 0], mine[:, j, 1], 1.0 / np.hypot(mine[:, j, 0], mine[:, j, 1]))
            for j in range(mine.shape[1])]  # fmt: skip


def correct_image(image: Image.Image, pixels: Iterable[tuple[int, int]]) -> Image.Image:
    """Repair pixels of a Pillow image, in its own mode.

    Parameters
    ----------
    image : PIL.Image.Image
        Any of the modes 1, L, LA, RGB, RGBA, P, CMYK, I;16, I, F (PA becomes RGBA). Alpha stays
        untouched; a palette image is repaired in colour and each repaired pixel takes
        the nearest palette entry, so the palette itself is kept.
    pixels : iterable of (x, y)
        Positions to repair.

    Returns
    -------
    PIL.Image.Image
        A new image of the same mode and size; ``image.info`` is copied.

    Examples
    --------
    >>> from PIL import Image
    >>> im = Image.new("RGBA", (4, 4), (10, 20, 30, 128)); im.putpixel((1, 1), (255, 0, 0, 7))
    >>> correct_image(im, [(1, 1)]).getpixel((1, 1))
    (10, 20, 30, 7)
    """
    pixels = list(pixels)
    mode = image.mode
    if mode == "P":
        return _correct_palette(image, pixels)
    if mode == "PA":
        return correct_image(image.convert("RGBA"), pixels)
    if mode == "1":
        repaired = correct_image(image.convert("L"), pixels)
        out = repaired.point(lambda v: 255 if v >= 128 else 0).convert("1")
    else:
        arr = np.asarray(image)
        alpha = {"LA": [0], "RGBA": [0, 1, 2], "La": [0], "RGBa": [0, 1, 2]}.get(mode)
        fixed = correct_pixels(arr, pixels, channels=alpha)
        if mode.startswith("I;16"):
            dtype = ">u2" if mode == "I;16B" else "<u2"
            out = Image.frombytes(mode, image.size, fixed.astype(dtype).tobytes())
        else:
            out = Image.fromarray(fixed)
            if out.mode != mode:  # e.g. CMYK, which numpy cannot name: same bytes, own mode
                out = Image.frombytes(mode, image.size, np.ascontiguousarray(fixed).tobytes())
    out.info = dict(image.info)
    return out


def _correct_palette(image: Image.Image, pixels: list[tuple[int, int]]) -> Image.Image:
    rgba = np.asarray(image.convert("RGBA"))
    fixed = correct_pixels(rgba, pixels, channels=[0, 1, 2])
    flat = image.getpalette("RGB") or [v for i in range(256) for v in (i, i, i)]
    palette = np.array(flat, dtype=np.int32).reshape(-1, 3)
    idx = np.array(image)
    for x, y in pixels:
        colour = fixed[y, x, :3].astype(np.int32)
        idx[y, x] = int(np.argmin(((palette - colour) ** 2).sum(axis=1)))
    out = Image.fromarray(idx)
    out = out.convert("L") if out.mode != "L" else out
    out = Image.frombytes("P", image.size, out.tobytes())
    out.putpalette(flat)
    out.info = dict(image.info)
    return out


def repair_mosaic(mosaic: np.ndarray, pixels: Iterable[tuple[int, int]], *,
                  in_place: bool = False, responses: Mapping | None = None,
                  cfa: str = "") -> np.ndarray:  # fmt: skip
    """Repair photosites of a colour filter mosaic from their same-colour neighbours.

    In a 2x2 tile (RGGB, BGGR, GRBG, GBRG) each photosite becomes the weighted mean of
    the 8 photosites of its own colour filter position two steps away (orthogonal 1,
    diagonal 1/sqrt 2), exactly as :func:`correct_pixels` does on one colour plane; in a
    6x6 X-Trans tile, of the 8 nearest photosites of its colour
    (:func:`hotpixels.kernels.mosaic_offsets`), weighted by the inverse of their
    distance. Neighbours outside the mosaic and those that are themselves to be repaired
    are skipped; nothing else changes.

    Parameters
    ----------
    mosaic : (H, W) ndarray
        RAW photosite values (e.g. rawpy's ``raw_image_visible``).
    pixels : iterable of (x, y)
        Photosites to repair, in the mosaic's frame.
    in_place : bool
        Write into ``mosaic`` (e.g. a rawpy image before ``postprocess``) instead of a copy.
    cfa : str
        The tile's colours in reading order (:attr:`DefectMap.cfa`); "" or 4 letters:
        a 2x2 tile.
    responses : mapping of (x, y) to (offset, gain), optional
        Photosites (among ``pixels``) whose stable response is undone instead,
        ``(value - offset) / gain``: a warm photosite keeps the detail it saw
        (:attr:`DefectMap.responses`).

    Returns
    -------
    ndarray
        The repaired mosaic (``mosaic`` itself when ``in_place``).

    Examples
    --------
    >>> import numpy as np
    >>> m = np.full((6, 6), 100, np.uint16); m[2, 3] = 4095; m[2, 2] = 50
    >>> out = repair_mosaic(m, [(3, 2)])
    >>> int(out[2, 3]), int(out[2, 2])
    (100, 50)
    >>> m[2, 3] = 180                           # a warm photosite: 80 levels over what it saw
    >>> int(repair_mosaic(m, [(3, 2)], responses={(3, 2): (80.0, 1.0)})[2, 3])
    100
    """
    arr = np.asarray(mosaic)
    if arr.ndim != 2:
        msg = f"mosaic must be (H, W), got shape {arr.shape}"
        raise ParameterError(msg)
    h, w = arr.shape
    lattices: dict[tuple[int, int], list[tuple[int, int]]] = {}
    offsets = mosaic_offsets(cfa)
    p = 1 if offsets is not None else 2  # the nearest of a 6x6 tile: on the mosaic itself
    for x, y in _inside((h, w), pixels):
        lattices.setdefault((y % p, x % p), []).append((x // p, y // p))
    seen = {(x, y): float(arr[y, x]) for x, y in (responses or {}) if 0 <= x < w and 0 <= y < h}
    out = arr if in_place else arr.copy()
    for (dy, dx), points in lattices.items():
        plane = arr[dy::p, dx::p]
        ys, xs, values = repaired_values(plane[..., None], points, offsets=offsets)
        if np.issubdtype(out.dtype, np.integer):
            info = np.iinfo(out.dtype)
            values = np.clip(np.rint(values), info.min, info.max)
        out[dy::p, dx::p][ys, xs] = values[:, 0].astype(out.dtype)
    for (x, y), value in seen.items():
        offset, gain = responses[(x, y)]
        if gain:
            value = (value - offset) / gain
            if np.issubdtype(out.dtype, np.integer):
                info = np.iinfo(out.dtype)
                value = float(np.clip(np.rint(value), info.min, info.max))
            out[y, x] = value
    return out


def repair_raw(raw, dmap) -> int:
    """Repair a rawpy image's mosaic in place from a RAW-frame defect map.

    Call it after ``rawpy.imread`` and before ``postprocess``.

    Parameters
    ----------
    raw : rawpy.RawPy
        An opened RAW file (its ``raw_image_visible`` is changed).
    dmap : DefectMap
        A map in the RAW frame (from ``hotpixels find`` on RAW files, or imported) of
        the visible area's size.

    Returns
    -------
    int
        Number of photosites repaired.

    Examples
    --------
    With a RAW file of the camera and its RAW-frame map (``pip install "hotpixels[raw]"``)::

        import rawpy
        from hotpixels import DefectMap

        with rawpy.imread("IMG_0001.DNG") as raw:
            repair_raw(raw, DefectMap.load("raw-map.json"))
            rgb = raw.postprocess()
    """
    mosaic = raw.raw_image_visible
    if dmap.frame is not FrameKind.RAW:
        msg = "this map is in the image frame (found from developed photos); RAW repair needs a RAW-frame map"
        raise ParameterError(msg)
    if mosaic.shape != (dmap.height, dmap.width):
        msg = (f"the map is for a {dmap.width}x{dmap.height} mosaic, this RAW's visible area is "
               f"{mosaic.shape[1]}x{mosaic.shape[0]}")  # fmt: skip
        raise ParameterError(msg)
    pixels = dmap.repair_pixels()
    repair_mosaic(mosaic, pixels, in_place=True, responses=dmap.responses(), cfa=dmap.cfa)
    return len(pixels)
