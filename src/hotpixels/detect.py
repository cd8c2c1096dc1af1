"""From statistics to defects: decide, cluster, classify.

Two tests run on every subpixel, both computed from the accumulator's sums:

**Excess** (``hot``, ``warm``, ``dead``): the mean neighbour residual (how much brighter
than its 8 same-channel neighbours the subpixel is, averaged over the frames) as a
robust z-score: ``z = (mean - median) / (1.4826 * MAD)``, where median and MAD are taken
per channel over the 64x64-pixel tile around the subpixel, so that textured and smooth
parts of the frame each get their own noise level. A scene feature moves from photo to
photo and averages out; a defect does not.

**Decoupling** (``stuck``, ``dead``, saturated ``hot``): ``D = log10(var(r) / var(v))``,
the temporal variance of the residual over the subpixel's own temporal variance. A
normal subpixel follows its neighbours, so its residual varies much less than its value
(D about -2.5); a stuck one ignores them, so its residual varies as much as the scene
(D near 0). Only where the neighbours varied by more than 5 levels (a series of one
scene cannot show it), and the line is at least 2 decades above the sensor's median D
(frames of pure noise, where nothing follows its neighbours, flag nothing).

Each subpixel gets ``score = max(|z| / z_threshold, 10 ** (D - line))``, where the
line is ``max(d_threshold, median D + 2)``; the second term is computed as a ratio of
variances, so no logarithm is taken per subpixel. 1.0 is the decision line, so the
threshold adapts to the noise of the set and no fixed number of defects is ever
assumed. The defaults (``z_threshold=14``, ``d_threshold=-0.5``) were set on simulated
cameras (:mod:`hotpixels.simulate`): defect-free sets of 30 photos reach a largest
score of about 0.6.

Both passes over the sensor run in bands of rows through :mod:`hotpixels._kernels`
(numba when installed, else numpy with the same arithmetic); tile medians are upper
medians (one selection).

**Clusters**: demosaicing and JPEG smear one defect over a few pixels and channels. The
centre of a defect is a pixel whose strongest channel is a local maximum among the
neighbours whose strongest channel is the same (so two adjacent photosites of different
colours stay two defects); every pixel within 2 px with a score of at least 0.3 is a
*member* (the pixels a repair should replace).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from hotpixels import _kernels
from hotpixels.defectmap import Defect, DefectMap
from hotpixels.errors import ParameterError
from hotpixels.mosaic import photosite, plane_of
from hotpixels.stats import NEVER_SEEN, Accumulator

__all__ = ["Evidence", "detect_defects", "evidence", "subpixel_of", "variance_ranking"]

Z_THRESHOLD = 14.0
D_THRESHOLD = -0.5
D_MARGIN = 2.0
MEMBER_LEVEL = 0.3
FOOTPRINT = 8
CORE = 3
ECHO = 0.35
MIN_SCENE_STD = 5.0
TILE = 64
MIN_FRAMES = 5
#: RAW: an excess must show in at least this share of the frames (and 3).
RAW_MIN_SHARE = 0.2
#: A defect first seen after this share of the frames (and 3), and standing out in this
#: share of the frames since (at least 5 and a fifth of all), appeared during the series.
LATE_SHARE = 0.1
LATE_CONSISTENCY = 0.9
_CHANNELS = {1: ("L",), 3: ("R", "G", "B")}


@dataclass
class Evidence:
    """Test statistics of one camera group.

    ``z`` (the excess as a robust z-score) and ``decoupling`` (the variance ratio over
    its decision line: 1.0 is the line) are per subpixel, ``(M, N, C)`` float32;
    ``best`` (the largest score) and ``dominant`` (its channel) per pixel. Scores of
    single subpixels (:meth:`score`) and means are computed at the few points that
    need them.
    """

    z: np.ndarray
    decoupling: np.ndarray
    z_threshold: float
    best: np.ndarray
    dominant: np.ndarray
    acc: Accumulator
    full_scale: float

    @property
    def frames(self) -> np.ndarray:
        """Net number of frames in which each subpixel stood out."""
        return self.acc.nexc

    def score(self, y: int, x: int, c: int) -> float:
        """Score of one subpixel: ``max(|z| / z_threshold, decoupling)``, as in pass 2."""
        zt = np.float32(self.z_threshold)
        return float(max(abs(self.z[y, x, c]) / zt, self.decoupling[y, x, c]))

    def mean(self, y: int, x: int, c: int) -> float:
        """Temporal mean of one subpixel."""
        return float(self.acc.s1[y, x, c]) / self.acc.n

    def mean_residual(self, y: int, x: int, c: int) -> float:
        """Mean excess of one subpixel over its 8 neighbours, in levels."""
        return float(self.acc.mean_residual(slice(y, y + 1))[0, x, c])


def _bands(m: int, rows: int) -> list[slice]:
    """Row bands of ``rows`` (a multiple of TILE); the last one at least TILE rows."""
    starts = list(range(0, m, rows))
    if len(starts) > 1 and m - starts[-1] < TILE:
        starts.pop()
    return [slice(y, starts[i + 1] if i + 1 < len(starts) else m) for i, y in enumerate(starts)]


def _tile_blocks(a: np.ndarray, tile: int) -> np.ndarray:
    """``(ty, tx, C, tile * tile)`` blocks of ``a`` (a new array), mirrored past the
    bottom/right edge."""
    m, n, c = a.shape
    ty, tx = -(-m // tile), -(-n // tile)
    src = a
    if (ty * tile, tx * tile) != (m, n):
        a = np.pad(a, ((0, ty * tile - m), (0, tx * tile - n), (0, 0)), mode="reflect")
    blocks = a.reshape(ty, tile, tx, tile, c).transpose(0, 2, 4, 1, 3).reshape(
        ty, tx, c, tile * tile
    )
    # The last reshape copies, except when one tile spans the width: then copy here,
    # since the caller may sort the blocks in place.
    return blocks.copy() if np.may_share_memory(blocks, src) else blocks


def _median_and_mad(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Upper median along the last axis and the upper median of the absolute deviations
    from it (one selection each, in place: ``blocks`` is used up)."""
    k = blocks.shape[-1] // 2
    blocks.partition(k, axis=-1)
    med = blocks[..., k].copy()
    blocks -= med[..., None]
    np.abs(blocks, out=blocks)
    blocks.partition(k, axis=-1)
    return med, blocks[..., k].copy()


def evidence(
    acc: Accumulator,
    *,
    z_threshold: float = Z_THRESHOLD,
    d_threshold: float = D_THRESHOLD,
    workers: int | None = None,
) -> Evidence:
    """Compute the test statistics and the combined score of every subpixel.

    Works in bands of rows (two passes: the sensor-wide levels, then the scores), so
    its memory is two float32 arrays (and one per pixel) beside the accumulator. Bands run on threads
    (the kernels release the GIL); each band's result is its own, so the evidence does
    not depend on ``workers``.

    Parameters
    ----------
    acc : Accumulator
        Statistics of one camera group.
    z_threshold, d_threshold : float
        Decision lines of the excess and decoupling tests.
    workers : int, optional
        Threads; default one per core.

    Returns
    -------
    Evidence
    """
    if acc.n == 0:
        msg = "acc holds no frames"
        raise ParameterError(msg)
    full = acc.full_scale
    m, _, c = acc.shape
    bands = _bands(m, 4 * TILE)
    z = np.empty(acc.shape, np.float32)  # pass 1: the mean residual; pass 2: its z
    decoupling = np.empty(acc.shape, np.float32)  # pass 1: the ratio; pass 2: over its line
    best, dominant = np.empty(acc.shape[:2], np.float32), np.empty(acc.shape[:2], np.uint8)
    terms = {"unit": (full / 255.0) ** 2, "min_var": (MIN_SCENE_STD * full / 255.0) ** 2,
             "exact": acc.bits == 8}  # fmt: skip

    def pass1(rows: slice):
        """Mean residual and variance ratio; the band's tile medians and MADs of the
        mean residual; a sample of the ratio (every 3rd pixel)."""
        mr, ratio = z[rows], decoupling[rows]
        _kernels.band_terms(acc.s1, acc.s2, acc.srr, acc.n, rows.start, rows.stop,
                            out=(mr, ratio), **terms)  # fmt: skip
        med, mad = _median_and_mad(_tile_blocks(mr, TILE))
        return med, mad, ratio[(-rows.start) % 3 :: 3, ::3].reshape(-1, c)

    threads = max(1, min(workers or os.cpu_count() or 1, len(bands)))
    with ThreadPoolExecutor(threads) as pool:
        meds, mads, samples = zip(*pool.map(pass1, bands), strict=True)
        floor = np.median(np.concatenate(mads), axis=(0, 1), keepdims=True) * 0.25 + 1e-3
        # A ratio of 0 (neighbours that hardly varied) counts as D = -3.
        sample = np.concatenate(samples)
        typical = np.median(np.where(sample > 0, sample, 1e-3), axis=0)
        line = np.maximum(10.0**d_threshold, typical * 10.0**D_MARGIN).astype(np.float32)
        zt = np.float32(z_threshold)

        def pass2(rows: slice, med: np.ndarray, band_mad: np.ndarray) -> None:
            """z, the ratio over its line, the score, each pixel's strongest channel."""
            scale = (1.4826 * np.maximum(band_mad, floor)).astype(np.float32)
            _, best[rows], dominant[rows] = _kernels.band_scores(
                z[rows], decoupling[rows], med, scale, line, zt, TILE)

        list(pool.map(pass2, bands, meds, mads))
    return Evidence(z, decoupling, z_threshold, best, dominant, acc, full)


def _centres(ev: Evidence, score_px: np.ndarray, dominant: np.ndarray, candidates) -> list:
    """Pick defect centres among candidate pixels, strongest first.

    A candidate within 3 px of a stronger centre is part of that centre's footprint
    (the opposite-signed ring of the neighbour residual, the demosaic and JPEG smear in
    the same or other channels), and so is one within 8 px (a JPEG block's ringing)
    whose score is below ``ECHO`` times the centre's; unless it is directly adjacent, of the same sign, its
    strongest channel differs, and in that channel it reaches at least half the value
    the stronger centre shows there: then it is a second photosite of another colour.
    """
    order = sorted(
        ((int(y), int(x)) for y, x in candidates), key=lambda p: (-score_px[p], p)
    )
    kept: list[tuple[int, int]] = []
    for y, x in order:
        c = dominant[y, x]
        z = ev.z[y, x, c]
        separate = True
        for ky, kx in kept:
            dist = max(abs(ky - y), abs(kx - x))
            if dist > FOOTPRINT or (dist > CORE and score_px[y, x] >= ECHO * score_px[ky, kx]):
                continue
            kc = dominant[ky, kx]
            same_sign = np.sign(ev.z[ky, kx, kc]) == np.sign(z)
            zk = ev.z[ky, kx, c]
            if dist == 1 and same_sign and kc != c and abs(z) >= 0.5 * abs(zk):
                continue
            separate = False
            break
        if separate:
            kept.append((y, x))
    return kept


#: Per frame: the mean (fraction of full scale) at or below which a decoupled subpixel
#: is dead, and the excess from which a bright one is hot rather than warm. RAW values
#: are linear: a dark stuck photosite sits above 0.03, and a warm offset stays below 0.25.
_KIND_LEVELS = {"image": (0.1, 0.08), "raw": (0.03, 0.25)}


def _classify(ev: Evidence, y: int, x: int, c: int, frame: str = "image") -> str:
    dead_mean, hot_excess = _KIND_LEVELS[frame]
    z = ev.z[y, x, c]
    mean = (ev.mean(y, x, c) - ev.acc.black) / ev.full_scale
    excess = ev.mean_residual(y, x, c) / ev.full_scale
    decoupled = ev.decoupling[y, x, c] >= 1.0
    if z < 0 and abs(z) >= ev.z_threshold:
        # RAW is linear and unsmeared: a dark outlier that ignores the scene at a value
        # clearly above black is stuck, not dead.
        stuck = frame == "raw" and decoupled and mean > dead_mean
        return "stuck" if stuck else "dead"
    if decoupled and abs(z) < ev.z_threshold:
        if mean >= 0.9:
            return "hot"
        return "dead" if mean <= dead_mean else "stuck"
    if decoupled and mean >= 0.85:
        return "hot"
    if decoupled and excess < 0.1 and mean < 0.8:
        return "stuck"
    return "hot" if excess >= hot_excess else "warm"


def detect_defects(
    acc: Accumulator,
    *,
    z_threshold: float = Z_THRESHOLD,
    d_threshold: float = D_THRESHOLD,
    top: int = 0,
    camera=None,
    cfa: str | None = None,
    dates: list | None = None,
    workers: int | None = None,
) -> DefectMap:
    """Decide which subpixels are defects, cluster and classify them.

    Parameters
    ----------
    acc : Accumulator
        Statistics of one camera group (at least 5 frames).
    z_threshold : float
        Decision line of the excess test, in robust standard deviations.
    d_threshold : float
        Decision line of the decoupling test, ``log10(var(r) / var(v))``.
    top : int
        Also return up to ``top`` strongest candidates below the decision line
        (``DefectMap.near_misses``).
    camera : CameraKey, optional
        Identity recorded in the map; a RAW group's key (``frame == "raw"``) also gives
        ``cfa`` and the mosaic's size.
    cfa : str, optional
        The accumulator holds a RAW mosaic's four colour planes
        (:func:`hotpixels.mosaic.to_planes`) of this 2x2 pattern, e.g. ``"RGGB"``: every
        photosite above the line is one defect, and the map is in the RAW frame.
    dates : list of datetime, optional
        Capture dates of the group's frames by rank (the ``rank`` of
        :meth:`Accumulator.update`); a defect first seen after :data:`LATE_SHARE` of
        them gets ``first_seen`` (it appeared during the series).
    workers : int, optional
        Threads for the evidence (default one per core); the map does not depend on it.

    Returns
    -------
    DefectMap
        The defects, strongest first; empty for a camera without defects.

    Examples
    --------
    >>> import numpy as np
    >>> from hotpixels.stats import NEVER_SEEN, Accumulator
    >>> rng = np.random.default_rng(0)
    >>> acc = Accumulator()
    >>> for _ in range(20):
    ...     f = rng.integers(60, 200, (64, 64, 1), dtype=np.uint8)
    ...     f[10, 20] = 255
    ...     _ = acc.update(f)
    >>> [(d.x, d.y, d.kind) for d in detect_defects(acc).defects]
    [(20, 10, 'hot')]
    """
    if acc.n < MIN_FRAMES:
        msg = f"need at least {MIN_FRAMES} distinct photos to decide, got {acc.n}"
        raise ParameterError(msg)
    if z_threshold <= 0:
        msg = f"z_threshold must be positive, got {z_threshold}"
        raise ParameterError(msg)
    if cfa is None and getattr(camera, "frame", "image") == "raw":
        cfa = camera.cfa
    if cfa is not None and (acc.shape[2] != 4 or sorted(cfa) != ["B", "G", "G", "R"]):
        msg = f"cfa {cfa!r} needs a Bayer pattern and four colour planes, got {acc.shape}"
        raise ParameterError(msg)
    ev = evidence(acc, z_threshold=z_threshold, d_threshold=d_threshold, workers=workers)
    names = _CHANNELS.get(c := acc.shape[2], tuple(str(i) for i in range(c)))
    score_px, dominant = ev.best, ev.dominant

    # Pixels above the decision line, plus (for --top) the strongest below it.
    strong = np.argwhere(score_px >= 1.0)
    n_extra = max(top * 20, 0)
    if n_extra:
        flat = score_px.ravel()
        k = min(n_extra + len(strong), flat.size)
        idx = np.argpartition(flat, flat.size - k)[flat.size - k :]
        weak = np.column_stack(np.unravel_index(idx, score_px.shape))
        weak = weak[score_px[weak[:, 0], weak[:, 1]] < 1.0]
    else:
        weak = np.empty((0, 2), dtype=np.intp)
    if cfa is not None:
        defects, near_defects = _photosite_defects(ev, cfa, strong, weak)
        h, w = (camera.height, camera.width) if camera is not None else (2 * acc.shape[0],
                                                                        2 * acc.shape[1])
    else:
        centres = _centres(ev, score_px, dominant, strong)
        near = [p for p in _centres(ev, score_px, dominant, weak) if not _touches(p, centres)]
        defects = [_make_defect(ev, names, score_px, dominant, y, x, centres) for y, x in centres]
        near_defects = [_make_defect(ev, names, score_px, dominant, y, x, near) for y, x in near]
        h, w, _ = acc.shape
    frame = "raw" if cfa is not None else "image"
    for d in defects:
        d.first_seen = _first_seen(ev, dates, *subpixel_of(d, frame))
    defects.sort(key=lambda d: (-d.score, d.y, d.x))
    near_defects.sort(key=lambda d: (-d.score, d.y, d.x))
    return DefectMap(
        width=w,
        height=h,
        frame=frame,
        cfa=cfa or "",
        frames=acc.n,
        defects=defects,
        near_misses=near_defects[:top],
        camera=camera,
        first_taken=acc.first_taken,
        last_taken=acc.last_taken,
        parameters={"z_threshold": z_threshold, "d_threshold": d_threshold},
    )


def _photosite_defects(ev: Evidence, cfa: str, strong, weak) -> tuple[list, list]:
    """RAW: every photosite above the line is one defect, except

    * the *ring* a strong defect leaves in its plane neighbours' residual (opposite
      sign, at most a quarter of its z: a neighbour's residual carries 1/8 of the
      defect's excess);
    * an excess seen in too few frames (:data:`RAW_MIN_SHARE`): in a mosaic a point
      light of one photo can sit on one photosite of a colour, whose same-colour
      neighbours are two steps away; a defect stands out photo after photo.
    """
    zt = np.float32(ev.z_threshold)
    min_frames = max(3, int(np.ceil(RAW_MIN_SHARE * ev.acc.n)))

    def counts(y, x, k) -> bool:
        return ev.decoupling[y, x, k] >= 1.0 or abs(int(ev.frames[y, x, k])) >= min_frames

    def subpixels(pixels, every: bool) -> list[tuple[float, int, int, int]]:
        out = []
        for y, x in pixels:
            channels = range(4) if every else [int(ev.dominant[y, x])]
            out += [(ev.score(y, x, k), int(y), int(x), k) for k in channels
                    if not every or (max(abs(ev.z[y, x, k]) / zt, ev.decoupling[y, x, k]) >= 1.0
                                     and counts(y, x, k))]
        return sorted(out, key=lambda t: (-t[0], t[1], t[2], t[3]))

    def ring(t, p) -> bool:
        """Whether subpixel ``t`` is the ring of a stronger ``p`` in the same plane."""
        (_, y, x, k), (_, py, px, pk) = t, p
        z, zp = ev.z[y, x, k], ev.z[py, px, pk]
        return (pk == k and max(abs(py - y), abs(px - x)) == 1 and np.sign(z) != np.sign(zp)
                and abs(z) <= 0.25 * abs(zp))

    def ring_free(cands, kept: list) -> list:
        out: list = []
        for t in cands:
            if not any(ring(t, p) for p in kept + out):
                out.append(t)
        return out

    found = ring_free(subpixels(strong, True), [])
    near = ring_free(subpixels(weak, False), found)
    return ([_photosite_defect(ev, cfa, *t) for t in found],
            [_photosite_defect(ev, cfa, *t) for t in near])


def _photosite_defect(ev: Evidence, cfa: str, score: float, py: int, px: int, k: int) -> Defect:
    x, y = photosite(py, px, k)
    return Defect(
        x=x,
        y=y,
        kind=_classify(ev, py, px, k, "raw"),
        score=round(float(score), 3),
        channel=cfa[k],
        channels=[cfa[k]],
        frames=abs(int(ev.frames[py, px, k])),
        mean=round(ev.mean(py, px, k), 2),
        excess=round(ev.mean_residual(py, px, k), 2),
    )


def subpixel_of(d: Defect, frame: str) -> tuple[int, int, int]:
    """Where a defect's strongest subpixel sits in the statistics: ``(row, column,
    channel)``; for a RAW-frame map, in the mosaic's colour planes."""
    if frame == "raw":
        return plane_of(d.x, d.y)
    names = next((n for n in _CHANNELS.values() if d.channel in n), ())
    return d.y, d.x, names.index(d.channel) if names else int(d.channel or 0)


def _first_seen(ev: Evidence, dates: list | None, y: int, x: int, c: int):
    """The capture date from which a defect shows, if it appeared during the series.

    ``seen`` gives the first frame (by date) that showed the subpixel beyond 6 sigmas;
    that is a late appearance when it comes after :data:`LATE_SHARE` of the frames (and
    3), and the defect stood out (3 sigmas, ``nexc``) in nearly every frame since
    (:data:`LATE_CONSISTENCY`; a weak defect that shows now and then may well have been
    there before). Otherwise None: as far as these photos tell, it was always there.
    (A stuck subpixel stands out only where the scene differs from it, so it is rarely
    dated.)
    """
    acc = ev.acc
    code = int(acc.seen[y, x, c]) if acc.seen is not None else 0
    if not dates or code == 0 or acc.n == 0:
        return None
    rank, n = NEVER_SEEN - code, len(dates)
    after = n - rank  # frames from its first strong showing on
    if rank >= n or rank < max(3, int(np.ceil(LATE_SHARE * n))) or after < max(5, 0.2 * n):
        return None
    if abs(int(acc.nexc[y, x, c])) < LATE_CONSISTENCY * after * acc.n / n:
        return None  # not shown photo after photo since: weak, and may well predate it
    return dates[rank]


def _touches(p: tuple[int, int], centres: list[tuple[int, int]]) -> bool:
    return any(max(abs(p[0] - y), abs(p[1] - x)) <= FOOTPRINT for y, x in centres)


def _make_defect(ev, names, score_px, dominant, y, x, centres) -> Defect:
    c = int(dominant[y, x])
    m, n = score_px.shape
    members = []
    for yy in range(max(y - 2, 0), min(y + 3, m)):
        for xx in range(max(x - 2, 0), min(x + 3, n)):
            if score_px[yy, xx] < MEMBER_LEVEL:
                continue
            nearest = min(centres, key=lambda p: (max(abs(p[0] - yy), abs(p[1] - xx)), p))
            if nearest == (y, x):
                members.append((int(xx), int(yy)))
    channels = [names[i] for i in range(len(names)) if ev.score(y, x, i) >= 1.0]
    return Defect(
        x=int(x),
        y=int(y),
        kind=_classify(ev, y, x, c),
        score=round(float(score_px[y, x]), 3),
        channel=names[c],
        channels=channels or [names[c]],
        frames=abs(int(ev.frames[y, x, c])),
        members=sorted(members, key=lambda p: (p[1], p[0])),
        mean=round(ev.mean(y, x, c), 2),
        excess=round(ev.mean_residual(y, x, c), 2),
    )


def variance_ranking(acc: Accumulator, n: int = 10, *, cfa: str | None = None
                     ) -> list[tuple[int, int, str, float]]:  # fmt: skip
    """The original script's rule: the ``n`` subpixels with the lowest temporal variance.

    Parameters
    ----------
    acc : Accumulator
        Statistics of one camera group.
    n : int
        How many to return.
    cfa : str, optional
        The accumulator holds a RAW mosaic's colour planes of this pattern: positions
        are photosites of the mosaic.

    Returns
    -------
    list of (x, y, channel, variance)
        Lowest variance first (ties by position).
    """
    m, w, c = acc.shape
    names = _CHANNELS.get(c, tuple(str(i) for i in range(c)))
    best: list[tuple[float, int, int, int, int]] = []
    for rows in _bands(m, 4 * TILE):
        var = acc.variance(rows).ravel()
        k = min(n, var.size)
        idx = np.argpartition(var, k - 1)[:k]
        ys, xs, cs = np.unravel_index(idx, (rows.stop - rows.start, w, c))
        best += [(float(var[i]), int(y) + rows.start, int(x), int(ch), 0)
                 for i, y, x, ch in zip(idx, ys, xs, cs, strict=True)]  # fmt: skip
    best.sort(key=lambda t: (t[0], (t[1] * w + t[2]) * c + t[3]))
    if cfa:
        return [(*photosite(y, x, ch), cfa[ch], var) for var, y, x, ch, _ in best[:n]]
    return [(x, y, names[ch], var) for var, y, x, ch, _ in best[:n]]
