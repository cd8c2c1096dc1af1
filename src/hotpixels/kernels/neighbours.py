"""Which 8 photosites of its own colour a subpixel is compared with.

A 2x2 Bayer tile, and a developed photo, need no table: the planes of a Bayer mosaic
(or the channels of a photo) compare each subpixel with the 3x3 window of its own
channel, the photosites of its colour two steps away. In a 6x6 X-Trans tile a
photosite's nearest photosites of its colour lie at offsets that depend on its place in
the tile (one step away for most greens, two or more for red and blue), in other planes
of the tile: :func:`neighbour_table` lists them, as steps in the planes and the plane
they fall in, for the kernels; :func:`mosaic_offsets` lists the same as steps in the
mosaic, for repair.

The 8 nearest are taken by distance; among photosites at the same distance that do not
all fit, each next one is the one that keeps the sum of the chosen offsets nearest zero
(then the first in reading order), so that a smooth gradient cancels as far as it can.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["NEIGHBOURS", "mosaic_offsets", "neighbour_points", "neighbour_table"]

#: Neighbours each subpixel is compared with.
NEIGHBOURS = 8


def _pattern(cfa: str) -> tuple[int, str] | None:
    """The tile size of a pattern that needs a table (6x6), or None."""
    return (6, cfa) if len(cfa) == 36 else None


@lru_cache(maxsize=16)
def _offsets(cfa: str) -> np.ndarray:
    p = 6
    out = np.zeros((p * p, NEIGHBOURS, 2), np.int64)
    for k in range(p * p):
        ky, kx = divmod(k, p)
        found = sorted((dy * dy + dx * dx, dy, dx) for dy in range(-p, p + 1) for dx in range(-p, p + 1)
                       if (dy, dx) != (0, 0) and cfa[p * ((ky + dy) % p) + (kx + dx) % p] == cfa[k])
        chosen: list[tuple[int, int]] = []
        while len(chosen) < NEIGHBOURS:
            d2 = next(f[0] for f in found if (f[1], f[2]) not in chosen)
            tied = [(f[1], f[2]) for f in found if f[0] == d2 and (f[1], f[2]) not in chosen]
            if len(chosen) + len(tied) <= NEIGHBOURS:
                chosen += tied
                continue
            sy, sx = sum(c[0] for c in chosen), sum(c[1] for c in chosen)
            chosen.append(min(tied, key=lambda t: ((sy + t[0]) ** 2 + (sx + t[1]) ** 2, t)))
        out[k] = chosen
    out.flags.writeable = False
    return out


def mosaic_offsets(cfa: str) -> np.ndarray | None:
    """Mosaic steps ``(dy, dx)`` to the 8 nearest photosites of each tile place's colour.

    Parameters
    ----------
    cfa : str
        The tile's colours in reading order (36 letters for X-Trans).

    Returns
    -------
    (36, 8, 2) ndarray of int64, or None
        By place ``k = 6 (y % 6) + x % 6``; None for a 2x2 tile or no pattern (the
        planes' own 3x3 window).

    Examples
    --------
    >>> xtrans = "GGRGGBGGBGGRBRGRBGGGBGGRGGRGGBRBGBRG"
    >>> sorted(abs(int(dy)) + abs(int(dx)) for dy, dx in mosaic_offsets(xtrans)[0])[:4]
    [1, 1, 2, 2]
    >>> mosaic_offsets("RGGB") is None
    True
    """
    return _offsets(cfa) if _pattern(cfa) else None


@lru_cache(maxsize=16)
def neighbour_table(cfa: str) -> np.ndarray | None:
    """The neighbours of each plane as steps in the planes: ``(dy, dx, plane)``.

    Parameters
    ----------
    cfa : str
        The tile's colours in reading order.

    Returns
    -------
    (36, 8, 3) ndarray of int64, or None
        Neighbour ``j`` of plane ``k`` at plane pixel ``(y, x)`` is plane
        ``table[k, j, 2]`` at ``(y + table[k, j, 0], x + table[k, j, 1])`` (steps of
        -1, 0 or 1; mirrored at the edges); None where the 3x3 window of the own plane
        is used (2x2 tiles, photos).

    Examples
    --------
    >>> xtrans = "GGRGGBGGBGGRBRGRBGGGBGGRGGRGGBRBGBRG"
    >>> t = neighbour_table(xtrans)
    >>> t.shape, bool((abs(t[..., :2]) <= 1).all())
    ((36, 8, 3), True)
    >>> all(xtrans[int(j)] == xtrans[k] for k in range(36) for j in t[k, :, 2])
    True
    """
    found = _pattern(cfa)
    if found is None:
        return None
    p = found[0]
    offsets = _offsets(cfa)
    out = np.zeros((p * p, NEIGHBOURS, 3), np.int64)
    for k in range(p * p):
        ky, kx = divmod(k, p)
        for j, (dy, dx) in enumerate(offsets[k]):
            ty, tx = ky + int(dy), kx + int(dx)
            out[k, j] = (ty // p, tx // p, p * (ty % p) + tx % p)
    out.flags.writeable = False
    return out


def _reflect(i: int, n: int) -> int:
    return -i if i < 0 else (2 * (n - 1) - i if i >= n else i)


def neighbour_points(y: int, x: int, c: int, shape: tuple[int, ...], table: np.ndarray | None
                     ) -> list[tuple[int, int, int]]:  # fmt: skip
    """The 8 subpixels ``(y, x, c)`` is compared with (mirrored at the edges, as the
    kernels do), for a table of :func:`neighbour_table` or None (the 3x3 window).

    Examples
    --------
    >>> neighbour_points(0, 0, 0, (4, 4, 1), None)[:3]
    [(1, 1, 0), (1, 0, 0), (1, 1, 0)]
    """
    m, n = shape[0], shape[1]
    steps = ([(dy, dx, c) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]
             if table is None else [tuple(int(v) for v in t) for t in table[c]])  # fmt: skip
    return [(_reflect(y + dy, m), _reflect(x + dx, n), k) for dy, dx, k in steps]
