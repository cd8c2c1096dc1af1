"""Where a defect map's pixels are in a photo whose pixels were stored turned.

A defect map is in the sensor's frame: the frame in which a camera stores its photos
(their EXIF orientation only tells viewers how to turn them for display). Tools that
rotate a JPEG losslessly turn the stored pixels instead and reset the tag, so the tag
no longer says how the stored frame relates to the sensor. The pixels do: the defects
are there. A photo as wide as the map is tall was turned a quarter, one way or the
other; :func:`locate` tries both and keeps the one where the map's pixels stand out
from their neighbours, if one clearly does.
"""

from __future__ import annotations

import numpy as np

from hotpixels.errors import ParameterError

__all__ = ["locate", "turn"]

#: How much more the defects must stand out at one quarter turn than at the other.
CLEAR = 1.5


def turn(pixels, size: tuple[int, int], quarter: int) -> list[tuple[int, int]]:
    """Map ``(x, y)`` of a ``size = (width, height)`` frame turned clockwise by ``quarter``
    quarter turns (0, 1 or 3) into the turned frame."""
    w, h = size
    if quarter == 0:
        return list(pixels)
    if quarter == 1:
        return [(h - 1 - y, x) for x, y in pixels]
    if quarter == 3:
        return [(y, w - 1 - x) for x, y in pixels]
    msg = f"quarter must be 0, 1 or 3, got {quarter}"
    raise ParameterError(msg)


def _standing_out(data: np.ndarray, pixels) -> float:
    """Median over ``pixels`` of the largest |value - mean of the 8 neighbours|."""
    arr = data.reshape(*data.shape[:2], -1).astype(np.float64)
    h, w, _ = arr.shape
    out = []
    for x, y in pixels:
        y0, y1, x0, x1 = max(y - 1, 0), min(y + 2, h), max(x - 1, 0), min(x + 2, w)
        win = arr[y0:y1, x0:x1]
        n = win.shape[0] * win.shape[1] - 1
        if n <= 0:
            continue
        mean = (win.sum(axis=(0, 1)) - arr[y, x]) / n
        out.append(float(np.abs(arr[y, x] - mean).max()))
    return float(np.median(out)) if out else 0.0


def locate(data: np.ndarray, pixels, map_size: tuple[int, int], name: str = "image"):
    """The map's ``pixels`` in the frame of ``data``, and how they were found.

    Parameters
    ----------
    data : (M, N) or (M, N, C) ndarray
        The photo's stored pixels.
    pixels : list of (x, y)
        Positions in the map's frame.
    map_size : (width, height)
        The map's frame.
    name : str
        For messages.

    Returns
    -------
    pixels : list of (x, y)
        Positions in the photo's frame.
    note : str
        Empty when the frames are the same, else which turn was found.

    Raises
    ------
    ParameterError
        If the sizes differ otherwise, or neither quarter turn clearly fits.
    """
    h, w = data.shape[:2]
    mw, mh = map_size
    if (w, h) == (mw, mh):
        return list(pixels), ""
    if (w, h) != (mh, mw):
        msg = f"{name}: image is {w}x{h} but the map is {mw}x{mh}; use a map of this camera"
        raise ParameterError(msg)
    turned = {q: turn(pixels, map_size, q) for q in (1, 3)}
    level = {q: _standing_out(data, p) for q, p in turned.items()}
    best, other = (1, 3) if level[1] >= level[3] else (3, 1)
    if level[best] < CLEAR * level[other] or level[best] <= 0:
        msg = (f"{name}: its pixels were turned from the sensor's frame, and the map's defects "
               "do not show which way; turn it back (e.g. jpegtran -rotate) and run again")
        raise ParameterError(msg)
    way = "clockwise" if best == 1 else "counter-clockwise"
    return turned[best], f"pixels stored turned a quarter {way}; the map turned to match"
