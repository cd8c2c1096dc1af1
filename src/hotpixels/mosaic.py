"""A colour filter mosaic as planes of its tile's positions, and back.

A colour filter tile of ``p x p`` photosites (a 2x2 Bayer tile, or Fujifilm's 6x6
X-Trans) has ``p * p`` positions; position ``k = p * (y % p) + (x % p)`` holds one
colour. :func:`to_planes` turns an ``(H, W)`` mosaic into an ``(H // p, W // p, p * p)``
frame whose channel ``k`` is the photosites of position ``k``. For a Bayer tile each
channel's 3x3 window holds the 8 nearest photosites of its colour, two steps away in
the mosaic; for X-Trans the nearest of its colour lie in other planes, at offsets that
depend on ``k``, and :func:`hotpixels.kernels.neighbour_table` lists them for the
kernels. Rows and columns past the last whole tile are not examined.
"""

from __future__ import annotations

import numpy as np

from hotpixels.errors import ParameterError
from hotpixels.kernels import split_planes

__all__ = ["PERIODS", "colour_at", "period_of", "photosite", "plane_of", "to_planes"]

#: Tile sizes of the supported patterns: 2x2 Bayer, 6x6 X-Trans.
PERIODS = (2, 6)


def period_of(cfa: str) -> int:
    """The tile size of a pattern given as its letters in reading order ("RGGB": 2; an
    unknown pattern, "", is taken as a 2x2 Bayer tile).

    >>> period_of("RGGB"), period_of("G" * 20 + "R" * 8 + "B" * 8), period_of("")
    (2, 6, 2)
    """
    if not cfa:
        return 2
    for p in PERIODS:
        if len(cfa) == p * p:
            return p
    msg = f"colour filter pattern {cfa!r} is neither 2x2 nor 6x6"
    raise ParameterError(msg)


def to_planes(mosaic: np.ndarray, out: np.ndarray | None = None, period: int = 2) -> np.ndarray:
    """Split a mosaic into its tile's positions, ``(H // p, W // p, p * p)``.

    Parameters
    ----------
    mosaic : (H, W) ndarray
    out : ndarray, optional
        C-contiguous array of the result's shape and the mosaic's dtype.
    period : {2, 6}
        The tile size ``p``.

    Returns
    -------
    ndarray
        ``out[py, px, p * dy + dx] == mosaic[p * py + dy, p * px + dx]``.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.arange(16).reshape(4, 4)
    >>> to_planes(m)[1, 0].tolist()
    [8, 9, 12, 13]
    """
    if mosaic.ndim != 2 or mosaic.shape[0] < 2 * period or mosaic.shape[1] < 2 * period:
        msg = f"a mosaic must be (H, W) with H, W >= {2 * period}, got {mosaic.shape}"
        raise ParameterError(msg)
    hp, wp = mosaic.shape[0] // period, mosaic.shape[1] // period
    if out is None:
        out = np.empty((hp, wp, period * period), mosaic.dtype)
    if period == 2:
        split_planes(mosaic, out)
    else:
        tiles = mosaic[: hp * period, : wp * period].reshape(hp, period, wp, period)
        out[...] = tiles.transpose(0, 2, 1, 3).reshape(hp, wp, period * period)
    return out


def photosite(py: int, px: int, k: int, period: int = 2) -> tuple[int, int]:
    """Mosaic ``(x, y)`` of plane pixel ``(py, px)`` in channel ``k``."""
    return period * px + k % period, period * py + k // period


def plane_of(x: int, y: int, period: int = 2) -> tuple[int, int, int]:
    """Plane pixel and channel ``(py, px, k)`` of mosaic photosite ``(x, y)``."""
    return y // period, x // period, period * (y % period) + (x % period)


def colour_at(cfa: str, x: int, y: int) -> str:
    """Colour letter of photosite ``(x, y)`` for a pattern such as ``"RGGB"`` (or 36
    letters of a 6x6 X-Trans tile)."""
    p = period_of(cfa)
    return cfa[p * (y % p) + (x % p)]
