"""Per-frame arithmetic of the accumulator, row by row: numba when installed, else numpy.

Both implementations give bit-identical integers (tests compare them):

* :func:`update_rows` adds (or subtracts) a stack of frames to rows ``y0:y1`` of the
  state ``(s1, s2, srr, nexc)``; callers update a shared state band by band under a
  lock. Subtracting a frame that was added leaves the sums exactly as before (integers;
  unsigned sums wrap modulo 2**k and come back).
* :func:`block_sums` sums each 32x32 block of a frame over all channels (thumbnails).
* :func:`residual_histogram` counts ``|r|`` at every 8th row and column (noise level).
* :func:`band_terms` turns the sums of a band of rows into the two per-subpixel terms
  detection tests (mean residual, variance ratio), in one pass over the state.

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

__all__ = ["HAVE_NUMBA", "band_terms", "block_sums", "reflect_index", "residual_histogram",
           "sample_residual", "update_rows", "variance"]

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


def _update_rows_numpy(state, frames, y0, y1, ithr, sign, encs):
    s1, s2, srr, nexc, seen = state
    band = slice(y0, y1)
    for frame, th, enc in zip(frames, ithr, encs, strict=True):
        v = frame[band].astype(np.int64)
        r = band_residual(frame, y0, y1).astype(np.int64)
        out = (r > th).astype(np.int64) - (r < -th)
        if sign != 0:
            for target, value in ((s1, v), (s2, v * v), (srr, (r * r) >> 3), (nexc, out)):
                np.add(target[band], sign * value, out=target[band], casting="unsafe")
        if sign >= 0:
            big = (r > 2 * th) | (r < -2 * th)
            np.maximum(seen[band], np.where(big, enc, 0).astype(seen.dtype), out=seen[band])


def _block_sums_numpy(frame: np.ndarray, step: int) -> np.ndarray:
    m, n, c = frame.shape
    hh, ww = max(m // THUMB, 1), max(n // THUMB, 1)
    bh, bw = min(THUMB, m), min(THUMB, n)
    crop = frame[: hh * bh, : ww * bw].reshape(hh, bh, ww, bw, c)[:, ::step]
    return crop.sum(axis=(1, 3, 4), dtype=np.int64)


if HAVE_NUMBA:  # pragma: no cover - compiled; compared with numpy in tests
    # Top-level functions (no closures), so that numba's cache holds one entry per
    # dtype. The narrow type of a residual (``vs``, ``rb``) and the type of its square
    # (``sq``) come in as arrays: int16/int32 for 8-bit frames, int32/int64 for 16-bit.

    @numba.njit(cache=True, nogil=True)
    def _residual_row(up, cur, dn, vs, rb, c):
        narrow = vs.dtype.type
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
    def _add_row(a1, a2, arr, an, af, cur, rb, th, sq, enc):
        # One loop (12 % faster than three); every comparison in the residual's own
        # type, so that it vectorises.
        narrow = rb.dtype.type
        t1, t2, trr, tn = a1.dtype.type, a2.dtype.type, arr.dtype.type, an.dtype.type
        square = sq.dtype.type
        none = af.dtype.type(0)
        hi, lo = narrow(th + th), narrow(-(th + th))
        up, down = narrow(th), narrow(-th)
        for i in range(cur.size):
            v = t1(cur[i])
            a1[i] += v
            a2[i] += t2(v) * t2(v)
            r = rb[i]
            rw = square(r)
            arr[i] += trr((rw * rw) >> 3)
            an[i] += tn(r > up) - tn(r < down)
            e = enc if (r > hi) | (r < lo) else none
            af[i] = e if e > af[i] else af[i]

    @numba.njit(cache=True, nogil=True)
    def _sub_row(a1, a2, arr, an, cur, rb, th):
        t1, t2, trr, tn = a1.dtype.type, a2.dtype.type, arr.dtype.type, an.dtype.type
        for i in range(cur.size):
            v = np.int64(cur[i])
            r = np.int64(rb[i])
            a1[i] -= t1(v)
            a2[i] -= t2(v * v)
            arr[i] -= trr((r * r) >> 3)
            an[i] -= tn(r > th) - tn(r < -th)

    @numba.njit(cache=True, nogil=True)
    def _seen_row(af, rb, th, enc):
        none = af.dtype.type(0)
        narrow = rb.dtype.type
        hi, lo = narrow(th + th), narrow(-(th + th))
        for i in range(rb.size):
            e = enc if (rb[i] > hi) | (rb[i] < lo) else none
            af[i] = e if e > af[i] else af[i]

    @numba.njit(cache=True, nogil=True)
    def _update_rows_numba(state, frames, y0, y1, ithr, sign, vs, rb, sq, encs):
        s1, s2, srr, nexc, seen = state
        nf, m, n, c = frames.shape
        width = n * c
        narrow = vs.dtype.type
        for y in range(y0, y1):
            a1, a2 = s1[y].reshape(width), s2[y].reshape(width)
            arr, an = srr[y].reshape(width), nexc[y].reshape(width)
            af = seen[y].reshape(width)
            for f in range(nf):
                frame = frames[f]
                up = frame[y - 1 if y > 0 else 1].reshape(width)
                dn = frame[y + 1 if y < m - 1 else m - 2].reshape(width)
                cur = frame[y].reshape(width)
                _residual_row(up, cur, dn, vs, rb, c)
                if sign > 0:
                    _add_row(a1, a2, arr, an, af, cur, rb, narrow(ithr[f]), sq, encs[f])
                elif sign < 0:
                    _sub_row(a1, a2, arr, an, cur, rb, narrow(ithr[f]))
                else:
                    _seen_row(af, rb, narrow(ithr[f]), encs[f])


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


@numba.njit(cache=True, nogil=True) if HAVE_NUMBA else (lambda f: f)
def _split_planes_numba(mosaic, out):  # pragma: no cover - compiled; compared in tests
    h2, w2, _ = out.shape
    for y in range(h2):
        r0, r1, o = mosaic[2 * y], mosaic[2 * y + 1], out[y]
        for x in range(w2):
            o[x, 0], o[x, 1] = r0[2 * x], r0[2 * x + 1]
            o[x, 2], o[x, 3] = r1[2 * x], r1[2 * x + 1]


def split_planes(mosaic: np.ndarray, out: np.ndarray, *, use_numba=None) -> None:
    """``out[py, px, 2 dy + dx] = mosaic[2 py + dy, 2 px + dx]`` (one pass; numba when
    installed, else a numpy copy)."""
    if use_numba is None:
        use_numba = HAVE_NUMBA
    if use_numba and HAVE_NUMBA:
        _split_planes_numba(mosaic, out)
        return
    h2, w2, _ = out.shape
    tiles = mosaic[: 2 * h2, : 2 * w2].reshape(h2, 2, w2, 2).transpose(0, 2, 1, 3)
    out.reshape(h2, w2, 2, 2)[...] = tiles


#: Types of a residual and of its square, by bytes per frame sample.
_NARROW = {1: (np.int16, np.int32), 2: (np.int32, np.int64)}


def update_rows(state, frames, y0, y1, ithr, sign=1, *, encs=None, use_numba=None) -> None:
    """Add a stack of frames to rows ``y0:y1`` of ``state`` (in place).

    Parameters
    ----------
    state : tuple of 5 ndarrays
        ``(s1, s2, srr, nexc, seen)``, each shaped like one frame.
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
        that noise rarely does), ``seen`` keeps the largest code (earliest frame).
    use_numba : bool, optional
        Force one implementation (tests); default: numba when installed.
    """
    if use_numba is None:
        use_numba = HAVE_NUMBA
    encs = np.zeros(len(frames), np.uint16) if encs is None else np.asarray(encs, np.uint16)
    if use_numba and HAVE_NUMBA:
        narrow, square = _NARROW[frames.dtype.itemsize]
        width = frames.shape[2] * frames.shape[3]
        _update_rows_numba(state, frames, y0, y1, np.asarray(ithr, np.int64), sign,
                           np.empty(width, narrow), np.empty(width, narrow), np.empty(0, square),
                           encs)  # fmt: skip
    else:
        _update_rows_numpy(state, frames, y0, y1, ithr, sign, encs)


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


def variance(s1: np.ndarray, s2: np.ndarray, n: int, exact: bool) -> np.ndarray:
    """Population variance from sums (float64); ``exact``: through int64 (8-bit sums)."""
    n = max(n, 1)
    if exact:  # n * s2 - s1^2 < 2^63 for < 66000 frames of 8 bits
        a = s1.astype(np.int64)
        return (n * s2.astype(np.int64) - a * a) / float(n * n)
    m = s1 / n
    return np.maximum(s2 / n - m * m, 0.0)


def _band_terms_numpy(s1, s2, srr, n, y0, y1, unit, min_var, exact):
    m = s1.shape[0]
    ext = [reflect_index(y, m) for y in range(y0 - 1, y1 + 1)]
    var = variance(s1[ext], s2[ext], n, exact)
    p = np.pad(var, ((0, 0), (1, 1), (0, 0)), mode="reflect")
    vert = p[:-2] + p[1:-1] + p[2:]
    var = var[1:-1]
    neighbour_var = (vert[:, :-2] + vert[:, 1:-1] + vert[:, 2:] - var) / 8.0
    mr = band_residual(s1, y0, y1).astype(np.int64, copy=False) / (8.0 * n)
    rv = np.maximum(srr[y0:y1] / (8.0 * n) - mr * mr, 0.0)
    ratio = np.where(neighbour_var >= min_var, (rv + unit) / (var + unit), 0.0)
    return mr.astype(np.float32), ratio.astype(np.float32)


if HAVE_NUMBA:

    @numba.njit(cache=True, nogil=True)
    def _variance_row(a1, a2, n, exact, out):  # pragma: no cover - compiled
        for i in range(out.size):
            if exact:
                a = np.int64(a1[i])
                out[i] = np.float64(n * np.int64(a2[i]) - a * a) / np.float64(n * n)
            else:
                mm = np.float64(a1[i]) / np.float64(n)
                v = np.float64(a2[i]) / np.float64(n) - mm * mm
                out[i] = v if v > 0.0 else 0.0

    @numba.njit(cache=True, nogil=True)
    def _band_terms_numba(s1, s2, srr, n, y0, y1, unit, min_var, exact, mr_out, ratio_out):
        # pragma: no cover - compiled; compared with numpy in tests
        m, w, c = s1.shape
        width = w * c
        vu, vc, vd = np.empty(width), np.empty(width), np.empty(width)
        vert_v = np.empty(width)
        vert_s = np.empty(width, np.int64)
        scale = 8.0 * n
        _variance_row(s1[y0 - 1 if y0 > 0 else 1].reshape(width),
                      s2[y0 - 1 if y0 > 0 else 1].reshape(width), n, exact, vu)
        _variance_row(s1[y0].reshape(width), s2[y0].reshape(width), n, exact, vc)
        for y in range(y0, y1):
            yu, yd = y - 1 if y > 0 else 1, y + 1 if y < m - 1 else m - 2
            _variance_row(s1[yd].reshape(width), s2[yd].reshape(width), n, exact, vd)
            su, sc, sd = s1[yu].reshape(width), s1[y].reshape(width), s1[yd].reshape(width)
            for i in range(width):
                vert_s[i] = np.int64(su[i]) + np.int64(sc[i]) + np.int64(sd[i])
                vert_v[i] = vu[i] + vc[i] + vd[i]
            rr = srr[y].reshape(width)
            mo, ro = mr_out[y - y0].reshape(width), ratio_out[y - y0].reshape(width)
            for i in range(width):
                x = i // c
                left = i - c if x > 0 else i + c
                right = i + c if x < w - 1 else i - c
                rs = 9 * np.int64(sc[i]) - (vert_s[left] + vert_s[i] + vert_s[right])
                mr = np.float64(rs) / scale
                rv = np.float64(rr[i]) / scale - mr * mr
                rv = rv if rv > 0.0 else 0.0
                nv = (vert_v[left] + vert_v[i] + vert_v[right] - vc[i]) / 8.0
                mo[i] = np.float32(mr)
                ro[i] = np.float32((rv + unit) / (vc[i] + unit)) if nv >= min_var else np.float32(0.0)
            vu, vc, vd = vc, vd, vu


def band_terms(s1, s2, srr, n: int, y0: int, y1: int, *, unit: float, min_var: float,
               exact: bool, out=None, use_numba=None) -> tuple[np.ndarray, np.ndarray]:
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
    use_numba : bool, optional
        Force one implementation (tests); default: numba when installed.

    Returns
    -------
    mean_residual, ratio : (y1 - y0, N, C) ndarray of float32
        Mean excess over the 8 neighbours; ``(var(r) + unit) / (var(v) + unit)``, or 0
        where the neighbours' mean variance is below ``min_var`` (``out`` when given).
    """
    if use_numba is None:
        use_numba = HAVE_NUMBA
    shape = (y1 - y0, *s1.shape[1:])
    if out is None:
        out = (np.empty(shape, np.float32), np.empty(shape, np.float32))
    mr, ratio = out
    if use_numba and HAVE_NUMBA:
        _band_terms_numba(s1, s2, srr, n, y0, y1, unit, min_var, exact, mr, ratio)
    else:
        mr[...], ratio[...] = _band_terms_numpy(s1, s2, srr, n, y0, y1, unit, min_var, exact)
    return mr, ratio


def _band_scores_numpy(z, d, med, scale, line, zt, tile):
    m, n, _ = z.shape
    rep_med = np.repeat(np.repeat(med, tile, 0), tile, 1)[:m, :n]
    rep_scale = np.repeat(np.repeat(scale, tile, 0), tile, 1)[:m, :n]
    z[:] = (z - rep_med) / rep_scale
    d /= line
    score = np.maximum(np.abs(z) / zt, d)
    return score, score.max(axis=2), score.argmax(axis=2).astype(np.uint8)


if HAVE_NUMBA:

    @numba.njit(cache=True, nogil=True)
    def _band_scores_numba(z, d, med, scale, line, zt, tile, score, best, dominant):
        # pragma: no cover - compiled; compared with numpy in tests
        m, n, c = z.shape
        for y in range(m):
            ty = y // tile
            for x in range(n):
                tx = x // tile
                top = np.float32(-np.inf)
                arg = 0
                for k in range(c):
                    zk = (z[y, x, k] - med[ty, tx, k]) / scale[ty, tx, k]
                    dk = d[y, x, k] / line[k]
                    sk = abs(zk) / zt
                    sk = sk if sk >= dk else dk
                    z[y, x, k], d[y, x, k], score[y, x, k] = zk, dk, sk
                    if sk > top:
                        top, arg = sk, k
                best[y, x], dominant[y, x] = top, arg


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
        Force one implementation (tests); default: numba when installed.

    Returns
    -------
    score : (M, N, C) ndarray of float32
        ``max(|z| / zt, d)``.
    best : (M, N) ndarray of float32
        Largest score of each pixel.
    dominant : (M, N) ndarray of uint8
        Channel of the largest score (the first of equals).
    """
    if use_numba is None:
        use_numba = HAVE_NUMBA
    if not (use_numba and HAVE_NUMBA):
        return _band_scores_numpy(z, d, med, scale, line, zt, tile)
    m, n, _ = z.shape
    score = np.empty_like(z)
    best, dominant = np.empty((m, n), np.float32), np.empty((m, n), np.uint8)
    _band_scores_numba(z, d, med, scale, line, zt, tile, score, best, dominant)
    return score, best, dominant
