"""The test statistics of every subpixel, from the accumulator's sums.

Two tests run on every subpixel:

**Excess** (``hot``, ``warm``, ``dead``): the mean neighbour residual (how much brighter
than its 8 same-channel neighbours the subpixel is, averaged over the frames) as a
robust z-score: ``z = (mean - median) / (1.4826 * MAD)``, where median and MAD are taken
per channel over the 64x64-pixel tile around the subpixel, so that textured and smooth
parts of the frame each get their own noise level. A scene feature moves from photo to
photo and averages out; a defect does not. In a developed photo (``phases``) a pixel
where its channel was sampled carries that photosite's noise, and one where it was
interpolated carries a mean of several: without lossy compression to even them out, the
sampled quarter of a tile spreads about 2.3 times as wide as the tile's median says (0.75-1.3
times in JPEGs), and its noise alone stood 14 robust sigmas out: a perfect camera's
lossless photos gave about 100 defects. Where one of the four 2x2 positions of a tile
spreads :data:`PHASE_SPREAD` times wider than the tile, its own median and MAD are its
unit.

**Decoupling** (``stuck``, ``dead``, saturated ``hot``): ``D = log10(var(r) / var(v))``,
the temporal variance of the residual over the subpixel's own temporal variance. A
normal subpixel follows its neighbours, so its residual varies much less than its value
(D about -2.5); a stuck one ignores them, so its residual varies as much as the scene
(D near 0). Only where the neighbours varied by more than 5 levels (a series of one
scene cannot show it), and the line is at least 2 decades above the sensor's median D
(frames of pure noise, where nothing follows its neighbours, flag nothing).

Each subpixel gets ``score = max(|z| / z_threshold, 10 ** (D - line))``, where the
line is ``max(d_threshold, median D + max(2, 7 robust sigmas of D))`` (few frames
spread D widely: 0.37 decades at 8 frames, 0.25 at 30); the second term is computed as a ratio of
variances, so no logarithm is taken per subpixel. It counts only from
:data:`DECOUPLING_MIN_FRAMES` frames on. 1.0 is the decision line, so the
threshold adapts to the noise of the set and no fixed number of defects is ever
assumed. The defaults (``z_threshold=14``, ``d_threshold=-0.5``) were set on simulated
cameras (:mod:`hotpixels.sim`): defect-free sets of 30 photos reach a largest score of
about 0.6.

Both passes over the sensor run in bands of rows through :mod:`hotpixels.kernels`
(numba when installed, else numpy with the same arithmetic); tile medians are upper
medians (one selection).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from hotpixels import kernels
from hotpixels.errors import ParameterError
from hotpixels.stats import Accumulator

__all__ = ["DECOUPLING_MIN_FRAMES", "D_THRESHOLD", "PHASE_SPREAD", "TILE", "Z_THRESHOLD", "Evidence", "bands",
           "evidence", "median_and_mad", "tile_blocks"]  # fmt: skip

Z_THRESHOLD = 14.0
D_THRESHOLD = -0.5
#: Fewest frames from which the decoupling test counts: with fewer, two variances of a
#: few scenes differ by chance as much as a stuck subpixel's (perfect cameras of 5
#: photos showed dozens), so stuck subpixels cannot be told yet.
DECOUPLING_MIN_FRAMES = 8
D_MARGIN = 2.0
#: Robust sigmas of the sensor's log variance ratio the decoupling line keeps at least.
SPREAD = 7.0
MIN_SCENE_STD = 5.0
TILE = 64
#: A 2x2 position of a tile whose mean residual spreads this many times wider than the
#: tile's gets its own scale (developed photos).
PHASE_SPREAD = 1.5
#: The 2x2 positions of a developed photo's Bayer pattern.
_PHASES = ((0, 0), (0, 1), (1, 0), (1, 1))


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

    def confidence(self, y: int, x: int, c: int) -> float:
        """How sure the decision on one subpixel is, 0 to 1: its significance (the score
        over twice the line, at most 1) times the share of the frames that showed it
        (3 sigmas, ``nexc``; 1 for a decoupled subpixel, which shows by ignoring its
        neighbours rather than by an excess)."""
        shown = abs(int(self.frames[y, x, c])) / self.acc.n
        share = 1.0 if self.decoupling[y, x, c] >= 1.0 else min(1.0, shown)
        return round(min(1.0, self.score(y, x, c) / 2.0) * share, 2)


def bands(m: int, rows: int) -> list[slice]:
    """Row bands of ``rows`` (a multiple of TILE); the last one at least TILE rows."""
    starts = list(range(0, m, rows))
    if len(starts) > 1 and m - starts[-1] < TILE:
        starts.pop()
    return [slice(y, starts[i + 1] if i + 1 < len(starts) else m) for i, y in enumerate(starts)]


def tile_blocks(a: np.ndarray, tile: int) -> np.ndarray:
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


def median_and_mad(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    phases: bool = False,
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
    phases : bool
        A developed photo of a Bayer sensor: each 2x2 position of a tile that spreads
        :data:`PHASE_SPREAD` times wider than the tile gets its own scale.

    Returns
    -------
    Evidence
    """
    if acc.n == 0:
        msg = "acc holds no frames"
        raise ParameterError(msg)
    full = acc.full_scale
    m, _, c = acc.shape
    row_bands = bands(m, 4 * TILE)
    z = np.empty(acc.shape, np.float32)  # pass 1: the mean residual; pass 2: its z
    decoupling = np.empty(acc.shape, np.float32)  # pass 1: the ratio; pass 2: over its line
    best, dominant = np.empty(acc.shape[:2], np.float32), np.empty(acc.shape[:2], np.uint8)
    terms = {"unit": (full / 255.0) ** 2, "min_var": (MIN_SCENE_STD * full / 255.0) ** 2,
             "exact": acc.bits == 8}  # fmt: skip

    def pass1(rows: slice):
        """Mean residual and variance ratio; the band's tile medians and MADs of the
        mean residual; a sample of the ratio (every 3rd pixel)."""
        mr, ratio = z[rows], decoupling[rows]
        kernels.band_terms(acc.s1, acc.s2, acc.srr, acc.n, rows.start, rows.stop,
                            out=(mr, ratio), table=acc.table, **terms)  # fmt: skip
        med, mad = median_and_mad(tile_blocks(mr, TILE))
        per = []
        if phases and min(mr.shape[:2]) >= 2:  # each 2x2 position's own, as for the tile
            per = [median_and_mad(tile_blocks(mr[py::2, px::2], TILE // 2)) for py, px in _PHASES]
        return (med, per), mad, ratio[(-rows.start) % 3 :: 3, ::3].reshape(-1, c)

    threads = max(1, min(workers or os.cpu_count() or 1, len(row_bands)))
    with ThreadPoolExecutor(threads) as pool:
        meds, mads, samples = zip(*pool.map(pass1, row_bands), strict=True)
        floor = np.median(np.concatenate(mads), axis=(0, 1), keepdims=True) * 0.25 + 1e-3
        # A ratio of 0 (neighbours that hardly varied) counts as D = -3.
        sample = np.concatenate(samples)
        typical = np.median(np.where(sample > 0, sample, 1e-3), axis=0)
        # The line sits D_MARGIN decades above the sensor's typical ratio (and at least at
        # d_threshold), or SPREAD robust sigmas of its log-ratio when that is wider (and
        # the floor as much higher): with few frames two variances of a few scenes differ
        # much by chance.
        logs = np.log10(np.where(sample > 0, sample, 1e-3)) - np.log10(typical)
        margin = np.maximum(D_MARGIN, SPREAD * 1.4826 * np.median(np.abs(logs), axis=0))
        lowest = 10.0 ** (d_threshold + margin - D_MARGIN)
        line = np.maximum(lowest, typical * 10.0**margin).astype(np.float32)
        if acc.n < DECOUPLING_MIN_FRAMES:  # too few scenes to tell a stuck subpixel
            line = np.full_like(line, np.finfo(np.float32).max)
        zt = np.float32(z_threshold)

        def pass2(rows: slice, meds: tuple, band_mad: np.ndarray) -> None:
            """z, the ratio over its line, the score, each pixel's strongest channel."""
            med, per = meds
            scale = (1.4826 * np.maximum(band_mad, floor)).astype(np.float32)
            if not per:
                _, best[rows], dominant[rows] = kernels.band_scores(
                    z[rows], decoupling[rows], med, scale, line, zt, TILE)
                return
            for (py, px), (pmed, pmad) in zip(_PHASES, per, strict=True):
                own = (1.4826 * np.maximum(pmad, floor)).astype(np.float32)
                wide = own >= PHASE_SPREAD * scale
                at = (slice(py, None, 2), slice(px, None, 2))
                _, best[rows][at], dominant[rows][at] = kernels.band_scores(
                    z[rows][at], decoupling[rows][at], np.where(wide, pmed, med), np.where(wide, own, scale),
                    line, zt, TILE // 2)

        list(pool.map(pass2, row_bands, meds, mads))
    return Evidence(z, decoupling, z_threshold, best, dominant, acc, full)
