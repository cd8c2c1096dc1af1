"""The numpy versions of the kernels, and the helpers both versions share.

Bit-identical to :mod:`hotpixels.kernels.numba_impl` (integers exactly, floats with
the same arithmetic); used when numba is not installed, and by tests to check it.
"""

from __future__ import annotations

import numpy as np

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


def _slots(table: np.ndarray) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
    """A table's neighbours as ``(dy, dx, planes, their neighbour planes)``, slot by slot."""
    out = []
    for j in range(table.shape[1]):
        for dy, dx in sorted({(int(a), int(b)) for a, b in table[:, j, :2]}):
            ks = np.flatnonzero((table[:, j, 0] == dy) & (table[:, j, 1] == dx))
            out.append((dy, dx, ks, table[ks, j, 2]))
    return out


def neighbour_sum(p: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Sum of each subpixel's 8 table neighbours, in slot order, from ``p`` padded by one
    row and column on each side."""
    b, n = p.shape[0] - 2, p.shape[1] - 2
    out = np.zeros((b, n, p.shape[2]), p.dtype)
    for dy, dx, ks, kk in _slots(table):
        out[..., ks] += p[1 + dy : 1 + dy + b, 1 + dx : 1 + dx + n][..., kk]
    return out


def band_residual(frame: np.ndarray, y0: int, y1: int, table: np.ndarray | None = None) -> np.ndarray:
    """Residual ``9 v - box3(v)`` of rows ``y0:y1`` (int32, int64 for 16-bit); with a
    neighbour table, ``8 v`` less the sum of the table's neighbours."""
    m = frame.shape[0]
    rows = [reflect_index(y, m) for y in range(y0 - 1, y1 + 1)]
    p = np.pad(frame[rows].astype(_wide(frame)), ((0, 0), (1, 1), (0, 0)), mode="reflect")
    if table is not None:
        return 8 * p[1:-1, 1:-1] - neighbour_sum(p, table)
    vert = p[:-2] + p[1:-1] + p[2:]
    return 9 * p[1:-1, 1:-1] - (vert[:, :-2] + vert[:, 1:-1] + vert[:, 2:])


def sample_residual(frame: np.ndarray, step: int = 8, table: np.ndarray | None = None) -> np.ndarray:
    """Residual at every ``step``-th row and column (equal to ``residual[::step, ::step]``)."""
    m, n, _ = frame.shape
    ys, xs = np.arange(0, m, step), np.arange(0, n, step)
    rows = [reflect_index(int(y) + dy, m) for y in ys for dy in (-1, 0, 1)]
    cols = [reflect_index(int(x) + dx, n) for x in xs for dx in (-1, 0, 1)]
    # Each sample's 3x3 window, as (samples, 3, samples, 3, C)
    win = frame[np.ix_(rows, cols)].astype(_wide(frame)).reshape(len(ys), 3, len(xs), 3, -1)
    if table is None:
        return 9 * win[:, 1, :, 1] - win.sum(axis=(1, 3))
    out = 8 * win[:, 1, :, 1]
    for dy, dx, ks, kk in _slots(table):
        out[..., ks] -= win[:, 1 + dy, :, 1 + dx][..., kk]
    return out


def update_rows(state, frames, y0, y1, ithr, sign, encs, lencs, boxes=None, table=None):
    s1, s2, srr, nexc, seen, last = state
    band = slice(y0, y1)
    for f, (frame, th, enc, lenc) in enumerate(zip(frames, ithr, encs, lencs, strict=True)):
        v = frame[band].astype(np.int64)
        r = band_residual(frame, y0, y1, table).astype(np.int64)
        keep = 1
        if boxes is not None and len(boxes):
            rows = [keep_row(boxes, f, y, frame.shape[1], frame.shape[2]) for y in range(y0, y1)]
            if any(k is not None for k in rows):
                keep = np.stack([np.ones(frame.shape[1:], np.int64) if k is None else k for k in rows])
        out = ((r > th).astype(np.int64) - (r < -th)) * keep
        if sign != 0:
            for target, value in ((s1, v), (s2, v * v), (srr, ((r * r) >> 3) * keep), (nexc, out)):
                np.add(target[band], sign * value, out=target[band], casting="unsafe")
        if sign >= 0:
            big = ((r > 2 * th) | (r < -2 * th)) & (keep == 1)
            np.maximum(seen[band], np.where(big, enc, 0).astype(seen.dtype), out=seen[band])
            np.maximum(last[band], np.where(big, lenc, 0).astype(last.dtype), out=last[band])


def clip_boxes(frame: np.ndarray, level: int, radius: int, per_channel: bool, area: int) -> np.ndarray:
    m, n = frame.shape[:2]
    hit = frame >= level
    cnt = hit.sum(axis=2, dtype=np.int32) if per_channel else hit.all(axis=2).astype(np.int32)
    if not cnt.any():
        return np.zeros((0, 4), np.int32)
    pad = np.pad(cnt, 1)
    window = sum(pad[1 + dy : 1 + dy + m, 1 + dx : 1 + dx + n] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    seeds = (cnt > 0) & (window - 1 >= area)
    boxes = []
    for y in np.flatnonzero(seeds.any(axis=1)):
        row = np.concatenate(([0], seeds[y].astype(np.int8), [0]))
        edges = np.flatnonzero(np.diff(row))
        for xa, xb in zip(edges[::2], edges[1::2] - 1, strict=True):
            boxes.append((max(y - radius, 0), min(y + radius, m - 1), max(xa - radius, 0),
                          min(xb + radius, n - 1)))  # fmt: skip
    return np.array(boxes, np.int32).reshape(-1, 4)


def keep_row(boxes: np.ndarray, f: int, y: int, n: int, c: int) -> np.ndarray | None:
    """1 where frame ``f``'s row ``y`` is evidence, 0 in its boxes; None: no box."""
    on = boxes[(boxes[:, 0] == f) & (boxes[:, 1] <= y) & (boxes[:, 2] >= y)] if len(boxes) else boxes
    if not len(on):
        return None
    keep = np.ones((n, c), np.int64)
    for _, _, _, x0, x1 in on:
        keep[x0 : x1 + 1] = 0
    return keep


def block_sums(frame: np.ndarray, step: int) -> np.ndarray:
    m, n, c = frame.shape
    hh, ww = max(m // THUMB, 1), max(n // THUMB, 1)
    bh, bw = min(THUMB, m), min(THUMB, n)
    crop = frame[: hh * bh, : ww * bw].reshape(hh, bh, ww, bw, c)[:, ::step]
    return crop.sum(axis=(1, 3, 4), dtype=np.int64)


def variance(s1: np.ndarray, s2: np.ndarray, n: int, exact: bool) -> np.ndarray:
    """Population variance from sums (float64); ``exact``: through int64 (8-bit sums)."""
    n = max(n, 1)
    if exact:  # n * s2 - s1^2 < 2^63 for < 66000 frames of 8 bits
        a = s1.astype(np.int64)
        return (n * s2.astype(np.int64) - a * a) / float(n * n)
    m = s1 / n
    return np.maximum(s2 / n - m * m, 0.0)


def band_terms(s1, s2, srr, n, y0, y1, unit, min_var, exact, table=None):
    m = s1.shape[0]
    ext = [reflect_index(y, m) for y in range(y0 - 1, y1 + 1)]
    var = variance(s1[ext], s2[ext], n, exact)
    p = np.pad(var, ((0, 0), (1, 1), (0, 0)), mode="reflect")
    var = var[1:-1]
    if table is None:
        vert = p[:-2] + p[1:-1] + p[2:]
        neighbour_var = (vert[:, :-2] + vert[:, 1:-1] + vert[:, 2:] - var) / 8.0
    else:
        neighbour_var = neighbour_sum(p, table) / 8.0
    mr = band_residual(s1, y0, y1, table).astype(np.int64, copy=False) / (8.0 * n)
    rv = np.maximum(srr[y0:y1] / (8.0 * n) - mr * mr, 0.0)
    ratio = np.where(neighbour_var >= min_var, (rv + unit) / (var + unit), 0.0)
    return mr.astype(np.float32), ratio.astype(np.float32)


def band_scores(z, d, med, scale, line, zt, tile):
    m, n, _ = z.shape
    rep_med = np.repeat(np.repeat(med, tile, 0), tile, 1)[:m, :n]
    rep_scale = np.repeat(np.repeat(scale, tile, 0), tile, 1)[:m, :n]
    z[:] = (z - rep_med) / rep_scale
    d /= line
    score = np.maximum(np.abs(z) / zt, d)
    return score, score.max(axis=2), score.argmax(axis=2).astype(np.uint8)


def residual_histogram(frame: np.ndarray, step: int, size: int, table=None) -> np.ndarray:
    return np.bincount(np.abs(sample_residual(frame, step, table)).ravel(), minlength=size)


def split_planes(mosaic: np.ndarray, out: np.ndarray) -> None:
    h2, w2, _ = out.shape
    tiles = mosaic[: 2 * h2, : 2 * w2].reshape(h2, 2, w2, 2).transpose(0, 2, 1, 3)
    out.reshape(h2, w2, 2, 2)[...] = tiles
