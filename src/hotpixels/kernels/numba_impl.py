"""The numba versions of the kernels (imported on first use, never at ``import hotpixels``).

Top-level functions only (no closures), so that numba's cache (``cache=True``) holds
one entry per dtype and hits in every process. Each gives the same integers (and the
same float arithmetic) as its numpy twin in :mod:`hotpixels.kernels.numpy_impl`; tests
compare them. ``# pragma: no cover``: compiled code.
"""

from __future__ import annotations

import numba
import numpy as np

from hotpixels.kernels.numpy_impl import THUMB


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
def _reflect(i, n):
    return -i if i < 0 else (2 * (n - 1) - i if i >= n else i)

@numba.njit(cache=True, nogil=True)
def _table_row(up, cur, dn, out, c, table, centre):
    # out[i] = centre * cur[i] - (sum of the table's neighbours), in the type of out
    wide = out.dtype.type
    n = cur.size // c
    for x in range(n):
        for k in range(c):
            acc = wide(centre) * wide(cur[x * c + k])
            for j in range(table.shape[1]):
                dy, xx, kk = table[k, j, 0], _reflect(x + table[k, j, 1], n), table[k, j, 2]
                row = up if dy < 0 else (dn if dy > 0 else cur)
                acc -= wide(row[xx * c + kk])
            out[x * c + k] = acc

@numba.njit(cache=True, nogil=True)
def _add_row(a1, a2, arr, an, af, al, cur, rb, th, sq, enc, lenc):
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
        big = (r > hi) | (r < lo)
        e = enc if big else none
        af[i] = e if e > af[i] else af[i]
        e = lenc if big else none
        al[i] = e if e > al[i] else al[i]

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
def _seen_row(af, al, rb, th, enc, lenc):
    none = af.dtype.type(0)
    narrow = rb.dtype.type
    hi, lo = narrow(th + th), narrow(-(th + th))
    for i in range(rb.size):
        big = (rb[i] > hi) | (rb[i] < lo)
        e = enc if big else none
        af[i] = e if e > af[i] else af[i]
        e = lenc if big else none
        al[i] = e if e > al[i] else al[i]

@numba.njit(cache=True, nogil=True)
def _masked_row(a1, a2, arr, an, af, al, cur, rb, th, sq, enc, lenc, keep, sign):
    # Where keep is 0 (near clipping) only the value sums change.
    narrow = rb.dtype.type
    t1, t2, trr, tn = a1.dtype.type, a2.dtype.type, arr.dtype.type, an.dtype.type
    square = sq.dtype.type
    none = af.dtype.type(0)
    hi, lo = narrow(th + th), narrow(-(th + th))
    up, down = narrow(th), narrow(-th)
    for i in range(cur.size):
        k = keep[i]
        r = rb[i]
        rw = square(r)
        if sign > 0:
            v = t1(cur[i])
            a1[i] += v
            a2[i] += t2(v) * t2(v)
            arr[i] += trr(k) * trr((rw * rw) >> 3)
            an[i] += tn(k) * (tn(r > up) - tn(r < down))
        elif sign < 0:
            v = t1(cur[i])
            a1[i] -= v
            a2[i] -= t2(v) * t2(v)
            arr[i] -= trr(k) * trr((rw * rw) >> 3)
            an[i] -= tn(k) * (tn(r > up) - tn(r < down))
        if sign >= 0:
            big = ((r > hi) | (r < lo)) & (k != 0)
            e = enc if big else none
            af[i] = e if e > af[i] else af[i]
            e = lenc if big else none
            al[i] = e if e > al[i] else al[i]

@numba.njit(cache=True, nogil=True)
def _keep_row(boxes, lo, hi, y, keep, c):
    """Fill ``keep`` for row ``y`` from a frame's boxes ``lo:hi`` (in row order: their
    ends never decrease); False when no box covers it."""
    while lo < hi:  # the first box that ends at or after y
        mid = (lo + hi) // 2
        if boxes[mid, 2] < y:
            lo = mid + 1
        else:
            hi = mid
    covered = False
    b = lo
    while b < boxes.shape[0] and boxes[b, 1] <= y and boxes[b, 0] == boxes[lo, 0]:
        if boxes[b, 2] >= y:
            if not covered:
                keep[:] = 1
                covered = True
            for i in range(boxes[b, 3] * c, (boxes[b, 4] + 1) * c):
                keep[i] = 0
        b += 1
    return covered

@numba.njit(cache=True, nogil=True)
def update_rows(state, frames, y0, y1, ithr, sign, vs, rb, sq, encs, lencs, boxes, starts, keep, table):
    s1, s2, srr, nexc, seen, last = state
    nf, m, n, c = frames.shape
    width = n * c
    narrow = vs.dtype.type
    for y in range(y0, y1):
        a1, a2 = s1[y].reshape(width), s2[y].reshape(width)
        arr, an = srr[y].reshape(width), nexc[y].reshape(width)
        af, al = seen[y].reshape(width), last[y].reshape(width)
        for f in range(nf):
            frame = frames[f]
            up = frame[y - 1 if y > 0 else 1].reshape(width)
            dn = frame[y + 1 if y < m - 1 else m - 2].reshape(width)
            cur = frame[y].reshape(width)
            if table.shape[0]:
                _table_row(up, cur, dn, rb, c, table, 8)
            else:
                _residual_row(up, cur, dn, vs, rb, c)
            if starts[f + 1] > starts[f] and _keep_row(boxes, starts[f], starts[f + 1], y, keep, c):
                _masked_row(a1, a2, arr, an, af, al, cur, rb, narrow(ithr[f]), sq, encs[f], lencs[f],
                            keep, sign)
            elif sign > 0:
                _add_row(a1, a2, arr, an, af, al, cur, rb, narrow(ithr[f]), sq, encs[f], lencs[f])
            elif sign < 0:
                _sub_row(a1, a2, arr, an, cur, rb, narrow(ithr[f]))
            else:
                _seen_row(af, al, rb, narrow(ithr[f]), encs[f], lencs[f])


@numba.njit(cache=True, nogil=True)
def _count_row(frame, y, lv, per_channel, out):  # pragma: no cover - compiled
    _m, n, c = frame.shape
    row = frame[y].reshape(n * c)
    top = row[0]
    for i in range(n * c):  # a max that vectorises: most rows reach no clipping at all
        top = row[i] if row[i] > top else top
    if top < lv:
        out[:] = 0
        return False
    if c == 3 and not per_channel:  # white: the smallest channel clipped (vectorises)
        found = False
        for x in range(n):
            a, b, d = row[3 * x], row[3 * x + 1], row[3 * x + 2]
            lo = a if a < b else b
            lo = lo if lo < d else d
            out[x] = lo >= lv
        for x in range(n):
            found = found or out[x] > 0
        return found
    found = False
    for x in range(n):
        k = 0
        for ch in range(c):
            k += frame[y, x, ch] >= lv
        v = k if per_channel else (1 if k == c else 0)
        out[x] = v
        found = found or v > 0
    return found

@numba.njit(cache=True, nogil=True)
def clip_boxes(frame, level, radius, per_channel, area):  # pragma: no cover - compiled
    m, n, _c = frame.shape
    lv = frame.dtype.type(min(level, np.iinfo(frame.dtype).max))
    cnt = np.zeros((3, n), np.int32)  # rows y-1, y, y+1 (rolling)
    has = np.zeros(3, np.bool_)
    boxes = []
    has[1] = _count_row(frame, 0, lv, per_channel, cnt[1])
    if m > 1:
        has[2] = _count_row(frame, 1, lv, per_channel, cnt[2])
    for y in range(m):
        if has[1]:
            run = -1
            for x in range(n + 1):
                seed = False
                if x < n and cnt[1, x] > 0:
                    w = -1
                    for r in range(3):
                        if has[r]:
                            for xx in range(max(x - 1, 0), min(x + 2, n)):
                                w += cnt[r, xx]
                    seed = w >= area
                if seed and run < 0:
                    run = x
                elif not seed and run >= 0:
                    boxes.append((max(y - radius, 0), min(y + radius, m - 1), max(run - radius, 0),
                                  min(x - 1 + radius, n - 1)))
                    run = -1
        for r in range(2):
            cnt[r] = cnt[r + 1]
            has[r] = has[r + 1]
        has[2] = _count_row(frame, y + 2, lv, per_channel, cnt[2]) if y + 2 < m else False
        if y + 2 >= m:
            cnt[2] = 0
    out = np.zeros((len(boxes), 4), np.int32)
    for i in range(len(boxes)):
        b = boxes[i]
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = b[0], b[1], b[2], b[3]
    return out

@numba.njit(cache=True, nogil=True)
def block_sums(frame, step):  # pragma: no cover - compiled; compared with numpy in tests
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


@numba.njit(cache=True, nogil=True)
def residual_histogram(frame, step, size):  # pragma: no cover - compiled
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


@numba.njit(cache=True, nogil=True)
def split_planes(mosaic, out):  # pragma: no cover - compiled; compared in tests
    h2, w2, _ = out.shape
    for y in range(h2):
        r0, r1, o = mosaic[2 * y], mosaic[2 * y + 1], out[y]
        for x in range(w2):
            o[x, 0], o[x, 1] = r0[2 * x], r0[2 * x + 1]
            o[x, 2], o[x, 3] = r1[2 * x], r1[2 * x + 1]


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
def _first_variances(s1, s2, n, y0, exact):
    # The variance rows above and at y0 (mirrored), and a third row to fill as a band goes.
    width = s1.shape[1] * s1.shape[2]
    vu, vc, vd = np.empty(width), np.empty(width), np.empty(width)
    yu = y0 - 1 if y0 > 0 else 1
    _variance_row(s1[yu].reshape(width), s2[yu].reshape(width), n, exact, vu)
    _variance_row(s1[y0].reshape(width), s2[y0].reshape(width), n, exact, vc)
    return vu, vc, vd

@numba.njit(cache=True, nogil=True)
def band_terms(s1, s2, srr, n, y0, y1, unit, min_var, exact, mr_out, ratio_out):
    # pragma: no cover - compiled; compared with numpy in tests
    m, w, c = s1.shape
    width = w * c
    vu, vc, vd = _first_variances(s1, s2, n, y0, exact)
    vert_v = np.empty(width)
    vert_s = np.empty(width, np.int64)
    scale = 8.0 * n
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


@numba.njit(cache=True, nogil=True)
def band_terms_table(s1, s2, srr, n, y0, y1, unit, min_var, exact, mr_out, ratio_out, table):
    # pragma: no cover - compiled; compared with numpy in tests
    m, w, c = s1.shape
    width = w * c
    vu, vc, vd = _first_variances(s1, s2, n, y0, exact)
    nv, rs = np.empty(width), np.empty(width, np.int64)
    scale = 8.0 * n
    for y in range(y0, y1):
        yu, yd = y - 1 if y > 0 else 1, y + 1 if y < m - 1 else m - 2
        _variance_row(s1[yd].reshape(width), s2[yd].reshape(width), n, exact, vd)
        _table_row(s1[yu].reshape(width), s1[y].reshape(width), s1[yd].reshape(width), rs, c, table, 8)
        _table_row(vu, vc, vd, nv, c, table, 0)  # minus the sum of the neighbours' variances
        rr = srr[y].reshape(width)
        mo, ro = mr_out[y - y0].reshape(width), ratio_out[y - y0].reshape(width)
        for i in range(width):
            mr = np.float64(rs[i]) / scale
            rv = np.float64(rr[i]) / scale - mr * mr
            rv = rv if rv > 0.0 else 0.0
            mo[i] = np.float32(mr)
            ro[i] = np.float32((rv + unit) / (vc[i] + unit)) if -nv[i] / 8.0 >= min_var else np.float32(0.0)
        vu, vc, vd = vc, vd, vu


@numba.njit(cache=True, nogil=True)
def band_scores(z, d, med, scale, line, zt, tile, score, best, dominant):
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

