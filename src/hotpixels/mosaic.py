"""A Bayer mosaic as four colour planes, and back.

A 2x2 colour filter tile has four positions; position ``k = 2 * (y % 2) + (x % 2)``
holds one colour. :func:`to_planes` turns an ``(H, W)`` mosaic into an
``(H // 2, W // 2, 4)`` frame whose channel ``k`` is the photosites of position ``k``,
so each channel's 8 neighbours are the same-colour photosites two steps away in the
mosaic: the accumulator, the residual and the decision work on it unchanged. A last
odd row or column (rare) has no full tile and is not examined.
"""

from __future__ import annotations

import numpy as np

from hotpixels.errors import ParameterError
from hotpixels.kernels import split_planes

__all__ = ["colour_at", "photosite", "plane_of", "to_planes"]


def to_planes(mosaic: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Split a mosaic into its four 2x2 positions, ``(H // 2, W // 2, 4)``.

    Parameters
    ----------
    mosaic : (H, W) ndarray
    out : ndarray, optional
        C-contiguous array of the result's shape and the mosaic's dtype.

    Returns
    -------
    ndarray
        ``out[py, px, 2 * dy + dx] == mosaic[2 * py + dy, 2 * px + dx]``.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.arange(16).reshape(4, 4)
    >>> to_planes(m)[1, 0].tolist()
    [8, 9, 12, 13]
    """
    if mosaic.ndim != 2 or mosaic.shape[0] < 4 or mosaic.shape[1] < 4:
        msg = f"a mosaic must be (H, W) with H, W >= 4, got {mosaic.shape}"
        raise ParameterError(msg)
    h2, w2 = mosaic.shape[0] // 2, mosaic.shape[1] // 2
    if out is None:
        out = np.empty((h2, w2, 4), mosaic.dtype)
    split_planes(mosaic, out)
    return out


def photosite(py: int, px: int, k: int) -> tuple[int, int]:
    """Mosaic ``(x, y)`` of plane pixel ``(py, px)`` in channel ``k``."""
    return 2 * px + (k & 1), 2 * py + (k >> 1)


def plane_of(x: int, y: int) -> tuple[int, int, int]:
    """Plane pixel and channel ``(py, px, k)`` of mosaic photosite ``(x, y)``."""
    return y // 2, x // 2, 2 * (y % 2) + (x % 2)


def colour_at(cfa: str, x: int, y: int) -> str:
    """Colour letter of photosite ``(x, y)`` for a pattern such as ``"RGGB"``."""
    return cfa[2 * (y % 2) + (x % 2)]
