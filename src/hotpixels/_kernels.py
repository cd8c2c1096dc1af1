"""Per-frame arithmetic of the accumulator, row by row: numba when installed, else numpy.

Both implementations give bit-identical integers (tests compare them):

* :func:`update_rows` adds (or subtracts) a stack of frames to rows ``y0:y1`` of the
  state ``(s1, s2, srr, nexc)``; callers update a shared state band by band under a
  lock. Subtracting a frame that was added leaves the sums exactly as before (integers;
  unsigned sums wrap modulo 2**k and come back).
* :func:`block_sums` sums each 32x32 block of a frame over all channels (thumbnails).
* :func:`residual_histogram` counts ``|r|`` at every 8th row and column (noise level).

The residual is ``r = 9 v - box3(v)`` (the subpixel against its 8 same-channel
neighbours, mirrored at the edges as :func:`numpy.pad` ``mode="reflect"`` does). Stacks
of frames are added row by row, so the state's row stays in cache while every frame of
the stack is added to it: the state is read and written once per stack, not per frame.
"""

from __future__ import annotations

import os

import numpy as np

try:  # pragma: no cover - depends on the environment
    if os.environ.get("HOTPIXELS_NO_NUMBA"):
        raise ImportError
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    numba = None
    HAVE_NUMBA = False

__all__ = ["HAVE_NUMBA", "block_sums", "reflect_index", "residual_histogram", "sample_residual",
           "update_rows"]

THUMB = 32


def reflect_index(i: int, n: int) -> int:
    """Index ``i`` of an axis of length ``n`` mirrored at the ends (``-1 -> 1``)."""
    if i < 0:
        return -i
    if i >= n:
        return 2 * (n - 1) - i
    return i


def _wide(frame: np.ndarray):
    return np.int32 if frame.dtype.itemsize == 1 else np.int64


def band_residual(frame: np.ndarray, y0: int, y1: int) -> np.ndarray:
    """Residual ``9 v - box3(v)`` of rows ``y0:y1`` (int32, int64 for 16-bit)."""
    m = frame.shape[0]
    rows = [reflect_index(y, m) for y in range(y0 - 1, y1 + 1)]
    p = np.pad(frame[rows].astype(_wide(frame)), ((0, 0), (1, 1), (0, 0)), mode="reflect")
    vert = p[:-2] + p[1:-1] + p[2:]
    return 9 * p[1:-1, 1:-1] - (vert[:, :-2] + vert[:, 1:-1] + vert[:, 2:])


def sample_residual(frame: np.ndarray, step: int = 8) -> np.ndarray:
    """Residual at every ``step``-th row and column (equal to ``residual[::step, ::step]``)."""
    m, n, _ = frame.shape
    ys, xs = np.arange(0, m, step), np.arange(0, n, step)
    box = np.zeros((len(ys), len(xs), frame.shape[2]), _wide(frame))
    for dy in (-1, 0, 1):
        rows = frame[[reflect_index(int(y) + dy, m) for y in ys]]
        for dx in (-1, 0, 1):
            box += rows[:, [reflect_index(int(x) + dx, n) for x in xs]]
    return 9 * frame[::step, ::step].astype(_wide(frame)) - box


def _update_rows_numpy(state, frames, y0, y1, ithr, sign):
    s1, s2, srr, nexc = state
    band = slice(y0, y1)
    for frame, th in zip(frames, ithr, strict=True):
        v = frame[band].astype(np.int64)
        r = band_residual(frame, y0, y1).astype(np.int64)
        for target, value in ((s1, v), (s2, v * v), (srr, (r * r) >> 3),
                              (nexc, (r > th).astype(np.int64) - (r < -th))):  # fmt: skip
            np.add(target[band], sign * value, out=target[band], casting="unsafe")


def _block_sums_numpy(frame: np.ndarray, step: int) -> np.ndarray:
    m, n, c = frame.shape
    hh, ww = max(m // THUMB, 1), max(n // THUMB, 1)
    bh, bw = min(THUMB, m), min(THUMB, n)
    crop = frame[: hh * bh, : ww * bw].reshape(hh, bh, ww, bw, c)[:, ::step]
    return crop.sum(axis=(1, 3, 4), dtype=np.int64)


def _make_numba_kernels(narrow, sq):  # pragma: no cover - compiled; compared with numpy in tests
    """Kernels for one frame depth: ``narrow`` holds a residual, ``sq`` its square."""

    @numba.njit(cache=True, nogil=True)
    def residual_row(up, cur, dn, vs, rb, c):
        width = cur.size
        for i in range(width):
            vs[i] = narrow(up[i]) + narrow(cur[i]) + narrow(dn[i])
        left, mid, right = vs[: width - 2 * c], vs[c : width - c], vs[2 * c :]
        centre, out = cur[c : width - c], rb[c : width - c]
        for i in range(width - 2 * c):  # views, so that LLVM vectorises the loop
            out[i] = narrow(9) * narrow(centre[i]) - (left[i] + mid[i] + right[i])
        for k in range(c):  # mirrored edges: column -1 is column 1
            rb[k] = narrow(9) * narrow(cur[k]) - (vs[k] + vs[c + k] + vs[c + k])
            j = width - c + k
            rb[j] = narrow(9) * narrow(cur[j]) - (vs[j] + vs[j - c] + vs[j - c])

    @numba.njit(cache=True, nogil=True)
    def add_row(a1, a2, arr, an, cur, rb, th):
        t1, t2, trr, tn = a1.dtype.type, a2.dtype.type, arr.dtype.type, an.dtype.type
        for i in range(cur.size):
            v = t1(cur[i])
            a1[i] += v
            a2[i] += t2(v) * t2(v)
        for i in range(cur.size):
            r = sq(rb[i])
            arr[i] += trr((r * r) >> 3)
            an[i] += tn(rb[i] > th) - tn(rb[i] < -th)

    @numba.njit(cache=True, nogil=True)
    def sub_row(a1, a2, arr, an, cur, rb, th):
        t1, t2, trr, tn = a1.dtype.type, a2.dtype.type, arr.dtype.type, an.dtype.type
        for i in range(cur.size):
            v = np.int64(cur[i])
            r = np.int64(rb[i])
            a1[i] -= t1(v)
            a2[i] -= t2(v * v)
            arr[i] -= trr((r * r) >> 3)
            an[i] -= tn(r > th) - tn(r < -th)

    @numba.njit(cache=True, nogil=True)
    def update_rows(state, frames, y0, y1, ithr, sign):
        s1, s2, srr, nexc = state
        nf, m, n, c = frames.shape
        width = n * c
        vs = np.empty(width, narrow)
        rb = np.empty(width, narrow)
        for y in range(y0, y1):
            a1, a2 = s1[y].reshape(width), s2[y].reshape(width)
            arr, an = srr[y].reshape(width), nexc[y].reshape(width)
            for f in range(nf):
                frame = frames[f]
                up = frame[y - 1 if y > 0 else 1].reshape(width)
                dn = frame[y + 1 if y < m - 1 else m - 2].reshape(width)
                cur = frame[y].reshape(width)
                residual_row(up, cur, dn, vs, rb, c)
                if sign > 0:
                    add_row(a1, a2, arr, an, cur, rb, narrow(ithr[f]))
                else:
                    sub_row(a1, a2, arr, an, cur, rb, narrow(ithr[f]))

    return update_rows


@numba.njit(cache=True, nogil=True) if HAVE_NUMBA else (lambda f: f)
def _block_sums_numba(frame, step):  # pragma: no cover - compiled; compared with numpy in tests
    m, n, c = frame.shape
    bh, bw = min(THUMB, m), min(THUMB, n)
    hh, ww = max(m // THUMB, 1), max(n // THUMB, 1)
    out = np.zeros((hh, ww), np.int64)
    cols = np.zeros(ww * bw * c, np.int64)
    for by in range(hh):
        cols[:] = 0
        for y in range(by * bh, (by + 1) * bh, step):
            row = frame[y].reshape(n * c)[: ww * bw * c]
            for i in range(cols.size):
                cols[i] += row[i]
        for bx in range(ww):
            out[by, bx] = cols[bx * bw * c : (bx + 1) * bw * c].sum()
    return out


@numba.njit(cache=True, nogil=True) if HAVE_NUMBA else (lambda f: f)
def _residual_histogram_numba(frame, step, size):  # pragma: no cover - compiled
    m, n, c = frame.shape
    hist = np.zeros(size, np.int64)
    for y in range(0, m, step):
        up = frame[y - 1 if y > 0 else 1]
        cur = frame[y]
        dn = frame[y + 1 if y < m - 1 else m - 2]
        for x in range(0, n, step):
            xl = x - 1 if x > 0 else 1
            xr = x + 1 if x < n - 1 else n - 2
            for k in range(c):
                box = (np.int64(up[xl, k]) + up[x, k] + up[xr, k] + cur[xl, k] + cur[x, k]
                       + cur[xr, k] + dn[xl, k] + dn[x, k] + dn[xr, k])  # fmt: skip
                r = 9 * np.int64(cur[x, k]) - box
                hist[r if r >= 0 else -r] += 1
    return hist


if HAVE_NUMBA:
    _UPDATE = {1: _make_numba_kernels(numba.int16, numba.int32),
               2: _make_numba_kernels(numba.int32, numba.int64)}  # fmt: skip
else:  # pragma: no cover
    _UPDATE = {}


def update_rows(state, frames, y0, y1, ithr, sign=1, *, use_numba=None) -> None:
    """Add a stack of frames to rows ``y0:y1`` of ``state`` (in place).

    Parameters
    ----------
    state : tuple of 4 ndarrays
        ``(s1, s2, srr, nexc)``, each shaped like one frame.
    frames : (K, M, N, C) ndarray of uint8 or uint16
        Frames to add (C-contiguous, ``M, N >= 2``).
    y0, y1 : int
        Row range.
    ithr : (K,) ndarray of int64
        Integer part of each frame's residual threshold.
    sign : {1, -1}
        Add or remove the frames.
    use_numba : bool, optional
        Force one implementation (tests); default: numba when installed.
    """
    if use_numba is None:
        use_numba = HAVE_NUMBA
    if use_numba and HAVE_NUMBA:
        _UPDATE[frames.dtype.itemsize](state, frames, y0, y1, np.asarray(ithr, np.int64), sign)
    else:
        _update_rows_numpy(state, frames, y0, y1, ithr, sign)


def residual_histogram(frame: np.ndarray, step: int = 8, *, use_numba=None) -> np.ndarray:
    """Histogram of ``|r|`` over every ``step``-th row and column (index = value)."""
    if use_numba is None:
        use_numba = HAVE_NUMBA
    size = 8 * (255 if frame.dtype.itemsize == 1 else 65535) + 1
    if use_numba and HAVE_NUMBA:
        return _residual_histogram_numba(frame, step, size)
    return np.bincount(np.abs(sample_residual(frame, step)).ravel(), minlength=size)


def block_sums(frame: np.ndarray, step: int = 4, *, use_numba=None) -> np.ndarray:
    """Sum of each 32x32 block over all channels and every ``step``-th row (int64).

    Partial edge blocks are dropped; a frame smaller than 32 px on a side has one block
    of that side's length.
    """
    if use_numba is None:
        use_numba = HAVE_NUMBA
    if use_numba and HAVE_NUMBA:
        return _block_sums_numba(frame, step)
    return _block_sums_numpy(frame, step)
