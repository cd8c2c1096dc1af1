"""Per-frame arithmetic of the accumulator and of detection, row by row.

Two implementations give bit-identical results (tests compare them): numba
(:mod:`hotpixels.kernels.numba_impl`, ``pip install "hotpixels[fast]"``), loaded on the
first call that needs it and never by ``import hotpixels``, and numpy
(:mod:`hotpixels.kernels.numpy_impl`). Each function takes ``use_numba`` to force one;
:data:`USE_NUMBA` sets the default for all (None: numba when installed;
``HOTPIXELS_NO_NUMBA=1`` in the environment turns it off).

* :func:`update_rows` adds (or subtracts) a stack of frames to rows ``y0:y1`` of the
  state ``(s1, s2, srr, nexc, seen, last)``; callers update a shared state band by band
  under a lock. Subtracting a frame that was added leaves the sums exactly as before
  (integers; unsigned sums wrap modulo 2**k and come back).
* :func:`clip_boxes` finds where a frame is too near clipping to be evidence.
* :func:`block_sums` sums each 32x32 block of a frame over all channels (thumbnails).
* :func:`residual_histogram` counts ``|r|`` at every 8th row and column (noise level).
* :func:`band_terms` turns the sums of a band of rows into the two per-subpixel terms
  detection tests (mean residual, variance ratio), in one pass over the state;
  :func:`band_scores` turns them into test statistics and scores.

The residual is ``r = 9 v - box3(v)`` (the subpixel against its 8 same-channel
neighbours, mirrored at the edges as :func:`numpy.pad` ``mode="reflect"`` does), or,
given a ``table`` of :func:`hotpixels.kernels.neighbours.neighbour_table` (X-Trans),
``8 v`` less the sum of the table's 8 neighbours, the nearest photosites of its colour. Stacks
of frames are added row by row, so the state's row stays in cache while every frame of
the stack is added to it: the state is read and written once per stack, not per frame.

Examples
--------
>>> import numpy as np
>>> f = np.zeros((3, 3, 1), np.uint8); f[1, 1] = 8
>>> int(band_residual(f, 0, 3)[1, 1, 0])
64
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from types import ModuleType

import numpy as np

from hotpixels.kernels import numpy_impl
from hotpixels.kernels.neighbours import NEIGHBOURS, mosaic_offsets, neighbour_points, neighbour_table
from hotpixels.kernels.numpy_impl import THUMB, band_residual, reflect_index, sample_residual, variance

__all__ = ["NEIGHBOURS", "THUMB", "USE_NUMBA", "band_residual", "band_scores", "band_terms", "block_sums",
           "clip_boxes", "have_numba", "mosaic_offsets", "neighbour_points", "neighbour_table",
           "reflect_index", "residual_histogram", "sample_residual", "split_planes", "update_rows",
           "variance"]  # fmt: skip

#: Default implementation: None takes numba when installed; False forces numpy.
USE_NUMBA: bool | None = None
_LOADED: dict[str, ModuleType | None] = {}


def _compiled() -> ModuleType | None:
    """The numba module of kernels, imported once, or None when numba is absent."""
    if "numba" not in _LOADED:
        module = None
        if not os.environ.get("HOTPIXELS_NO_NUMBA") and importlib.util.find_spec("numba"):
            try:
                module = importlib.import_module("hotpixels.kernels.numba_impl")
            except ImportError:  # pragma: no cover - a broken numba install
                module = None
        _LOADED["numba"] = module
    return _LOADED["numba"]


def have_numba() -> bool:
    """Whether the numba kernels are available (imports numba the first time)."""
    return _compiled() is not None


def _fast(use_numba: bool | None) -> ModuleType | None:
    choice = USE_NUMBA if use_numba is None else use_numba
    return None if choice is False else _compiled()


def split_planes(mosaic: np.ndarray, out: np.ndarray, *, use_numba=None) -> None:
    """``out[py, px, 2 dy + dx] = mosaic[2 py + dy, 2 px + dx]`` (one pass)."""
    (_fast(use_numba) or numpy_impl).split_planes(mosaic, out)


#: Types of a residual and of its square, by bytes per frame sample.
_NARROW = {1: (np.int16, np.int32), 2: (np.int32, np.int64)}


def update_rows(state, frames, y0, y1, ithr, sign=1, *, encs=None, boxes=None, table=None,
                use_numba=None) -> None:  # fmt: skip
    """Add a stack of frames to rows ``y0:y1`` of ``state`` (in place).

    Parameters
    ----------
    state : tuple of 6 ndarrays
        ``(s1, s2, srr, nexc, seen, last)``, each shaped like one frame.
    frames : (K, M, N, C) ndarray of uint8 or uint16
        Frames to add (C-contiguous, ``M, N >= 2``).
    y0, y1 : int
        Row range.
    ithr : (K,) ndarray of int64
        Integer part of each frame's residual threshold.
    sign : {1, -1, 0}
        Add or remove the frames (removing leaves ``seen`` as it is); 0 updates only
        ``seen`` (a frame that repeats a scene: counted once, but it was taken then).
    encs : (K,) array of uint16, optional
        Each frame's code for ``seen`` (``65535 - rank`` by capture date; 0: no date);
        where a frame shows a residual beyond twice its threshold (6 robust sigmas, so
        that noise rarely does), ``seen`` keeps the largest code (earliest frame) and
        ``last`` the largest ``rank + 1`` (``65536 - code``: the latest frame).
    boxes : (B, 5) ndarray of int32, optional
        ``(frame, y0, y1, x0, x1)``: :func:`clip_boxes` of the frames, by index in the
        stack. Inside them a frame adds only to the value sums ``s1`` and ``s2`` (too
        near clipping for its residual to be evidence); rows outside every box take
        the plain path.
    table : (C, 8, 3) ndarray of int64, optional
        Each channel's neighbours (:func:`neighbour_table`); None: its 3x3 window.
    use_numba : bool, optional
        Force one implementation (tests); default :data:`USE_NUMBA`.
    """
    encs = np.zeros(len(frames), np.uint16) if encs is None else np.asarray(encs, np.uint16)
    lencs = np.where(encs > 0, 65536 - encs.astype(np.int64), 0).astype(np.uint16)
    fast = _fast(use_numba)
    if fast is None:
        numpy_impl.update_rows(state, frames, y0, y1, ithr, sign, encs, lencs, boxes, table)
        return
    narrow, square = _NARROW[frames.dtype.itemsize]
    width = frames.shape[2] * frames.shape[3]
    boxes = np.zeros((0, 5), np.int32) if boxes is None else np.ascontiguousarray(boxes, np.int32)
    starts = np.searchsorted(boxes[:, 0], np.arange(len(frames) + 1)).astype(np.int64)  # by frame
    fast.update_rows(state, frames, y0, y1, np.asarray(ithr, np.int64), sign,
                     np.empty(width, narrow), np.empty(width, narrow), np.empty(0, square),
                     encs, lencs, boxes, starts, np.empty(width, np.uint8), _table(table))  # fmt: skip


def _table(table: np.ndarray | None) -> np.ndarray:
    """A neighbour table for the compiled kernels (empty: the 3x3 window)."""
    return np.zeros((0, NEIGHBOURS, 3), np.int64) if table is None else np.ascontiguousarray(table, np.int64)


def clip_boxes(frame: np.ndarray, level: int, radius: int, per_channel: bool, area: int = 3, *,
               use_numba=None) -> np.ndarray | None:  # fmt: skip
    """Where a frame is too near a clipped area for its residual to be evidence: boxes
    ``(y0, y1, x0, x1)`` (inclusive), or None.

    Parameters
    ----------
    frame : (M, N, C) ndarray of uint8 or uint16
    level : int
        A value at or above it is clipped.
    radius : int
        How far a clipped place reaches (its demosaic and JPEG smear).
    per_channel : bool
        RAW colour planes: each clipped channel of a place counts; developed photos
        (false): a place counts when every channel is clipped (white).
    area : int
        Only a clipped place with at least this many other clipped ones in its 3x3
        window counts: an area, a highlight. A lone clipped pixel or photosite, or a
        pair, is a defect's own business.

    Returns
    -------
    (K, 4) ndarray of int32, or None
        Every run of such places in a row, widened by ``radius``; None when there is none.

    Examples
    --------
    >>> f = np.zeros((7, 9, 3), np.uint8); f[2:4, 2:4] = 255  # a white area of 2x2
    >>> clip_boxes(f, 250, 1, False).tolist(), clip_boxes(f, 250, 1, False, area=4)
    ([[1, 3, 1, 4], [2, 4, 1, 4]], None)
    """
    frame = np.ascontiguousarray(frame)
    boxes = (_fast(use_numba) or numpy_impl).clip_boxes(frame, int(level), int(radius), bool(per_channel),
                                                        int(area))  # fmt: skip
    return boxes if len(boxes) else None


def residual_histogram(frame: np.ndarray, step: int = 8, *, table=None, use_numba=None) -> np.ndarray:
    """Histogram of ``|r|`` over every ``step``-th row and column (index = value); with a
    neighbour ``table``, always the numpy version (a sample: one pixel in 64)."""
    size = 8 * (255 if frame.dtype.itemsize == 1 else 65535) + 1
    if table is not None:
        return numpy_impl.residual_histogram(frame, step, size, table)
    return (_fast(use_numba) or numpy_impl).residual_histogram(frame, step, size)


def block_sums(frame: np.ndarray, step: int = 4, *, use_numba=None) -> np.ndarray:
    """Sum of each 32x32 block over all channels and every ``step``-th row (int64).

    Partial edge blocks are dropped; a frame smaller than 32 px on a side has one block
    of that side's length.
    """
    return (_fast(use_numba) or numpy_impl).block_sums(frame, step)


def band_terms(s1, s2, srr, n: int, y0: int, y1: int, *, unit: float, min_var: float,
               exact: bool, out=None, table=None, use_numba=None) -> tuple[np.ndarray, np.ndarray]:
    """Per-subpixel terms of the detection tests for rows ``y0:y1``, from the sums.

    Parameters
    ----------
    s1, s2, srr : (M, N, C) ndarray
        Sums of values, squared values and ``floor(r^2 / 8)`` over ``n`` frames.
    n : int
        Frames in the sums.
    y0, y1 : int
        Row range.
    unit : float
        Variance added to both sides of the ratio (one 8-bit level squared).
    min_var : float
        Neighbour variance below which the ratio is not evidence (set to 0).
    exact : bool
        Sums of 8-bit frames: variance through int64.
    out : pair of ndarray, optional
        C-contiguous float32 arrays of the band's shape to write the results into.
    table : (C, 8, 3) ndarray of int64, optional
        Each channel's neighbours (:func:`neighbour_table`); None: its 3x3 window.
    use_numba : bool, optional
        Force one implementation (tests); default :data:`USE_NUMBA`.

    Returns
    -------
    mean_residual, ratio : (y1 - y0, N, C) ndarray of float32
        Mean excess over the 8 neighbours; ``(var(r) + unit) / (var(v) + unit)``, or 0
        where the neighbours' mean variance is below ``min_var`` (``out`` when given).
    """
    shape = (y1 - y0, *s1.shape[1:])
    if out is None:
        out = (np.empty(shape, np.float32), np.empty(shape, np.float32))
    mr, ratio = out
    fast = _fast(use_numba)
    if fast is not None and table is not None:
        fast.band_terms_table(s1, s2, srr, n, y0, y1, unit, min_var, exact, mr, ratio, _table(table))
    elif fast is not None:
        fast.band_terms(s1, s2, srr, n, y0, y1, unit, min_var, exact, mr, ratio)
    else:
        mr[...], ratio[...] = numpy_impl.band_terms(s1, s2, srr, n, y0, y1, unit, min_var, exact, table)
    return mr, ratio


def band_scores(z, d, med, scale, line, zt, tile: int, *, use_numba=None):
    """Turn a band's terms into test statistics and scores (``z`` and ``d`` in place).

    Parameters
    ----------
    z : (M, N, C) ndarray of float32
        Mean residual on entry, its robust z-score on return.
    d : (M, N, C) ndarray of float32
        Variance ratio on entry, the ratio over its decision line on return.
    med, scale : (ceil(M / tile), ceil(N / tile), C) ndarray of float32
        Median and robust scale of the mean residual per tile.
    line : (C,) ndarray of float32
        Decision line of the ratio per channel.
    zt : float32
        Decision line of ``|z|``.
    tile : int
        Tile side in pixels.
    use_numba : bool, optional
        Force one implementation (tests); default :data:`USE_NUMBA`.

    Returns
    -------
    score : (M, N, C) ndarray of float32
        ``max(|z| / zt, d)``.
    best : (M, N) ndarray of float32
        Largest score of each pixel.
    dominant : (M, N) ndarray of uint8
        Channel of the largest score (the first of equals).
    """
    fast = _fast(use_numba)
    if fast is None:
        return numpy_impl.band_scores(z, d, med, scale, line, zt, tile)
    m, n, _ = z.shape
    score = np.empty_like(z)
    best, dominant = np.empty((m, n), np.float32), np.empty((m, n), np.uint8)
    fast.band_scores(z, d, med, scale, line, zt, tile, score, best, dominant)
    return score, best, dominant
