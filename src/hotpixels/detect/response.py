"""How a warm RAW photosite responds to light, and whether to undo that rather than
replace it.

A warm photosite still sees the scene: its value is ``v = a + b t`` of the true value
``t`` (an offset ``a``, e.g. dark current, and a gain ``b``; a gain within 3 standard
errors of 1 is taken as 1). Over the frames ``v`` is
fitted to the mean ``s`` of its 8 same-colour neighbours, which stands for ``t``, from
the accumulator's sums; ``(v - a) / b`` then gives the photosite's own reading back,
keeping the detail under it that a replacement by its neighbours loses.

Undoing is better than replacing only where the response is stable. The residual
``v - s`` (its variance is in the accumulator, exactly) varies by the neighbours'
interpolation error (what a replacement gets wrong, measured at the defect's normal
neighbours), by what a gain other than 1 makes of the scene's changes, and by whatever
of the response changes from frame to frame (what undoing it gets wrong): so a response
is kept only where the residual's variance, less the gain's part, is below twice the
interpolation error's.

The sums cannot tell it all: frames near clipping add to the value sums only, not to
the residual's square sum (:meth:`hotpixels.stats.Accumulator.update`), so where a
photosite was near clipping in some frames its residual variance reads low and an
unstable response can pass. :func:`confirm_responses` therefore tries each response on
a few photos read again (those where the photosite was not near clipping) and keeps it
only where it predicts the photosite from its neighbours as well as the sums promised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from hotpixels import kernels
from hotpixels.detect.evidence import Evidence
from hotpixels.detect.kinds import scene_fit
from hotpixels.detect.reread import reread, spread
from hotpixels.frames import strategy_for
from hotpixels.kernels.clipping import Clipping
from hotpixels.maps.model import DefectMap
from hotpixels.stats import Accumulator

__all__ = ["GAIN_RANGE", "RESPONSE_FRAMES", "STABLE", "confirm_responses", "response"]

#: A response is kept where the fit's residual variance is below this many times the
#: neighbours' interpolation error.
STABLE = 2.0
#: Gains outside this range are not a warm photosite's (a fit gone wrong).
GAIN_RANGE = (0.5, 2.0)
#: Photos read again to try the responses on (evenly spread), and how many of them must
#: show the photosite away from clipping.
RESPONSE_FRAMES, RESPONSE_MIN_FRAMES = 64, 5


def response(ev: Evidence, y: int, x: int, c: int) -> tuple[float, float] | None:
    """The offset and gain of subpixel ``(y, x, c)`` (a RAW colour plane's), if stable.

    Parameters
    ----------
    ev : Evidence
    y, x, c : int
        Row, column and plane.

    Returns
    -------
    (offset, gain) or None
        ``v = offset + gain * t`` in the file's raw levels; None where undoing it would
        not beat a replacement (or the fit is not a warm photosite's).

    Examples
    --------
    >>> import numpy as np
    >>> from hotpixels.detect.evidence import evidence
    >>> from hotpixels.stats import Accumulator
    >>> rng = np.random.default_rng(1)
    >>> acc = Accumulator.empty((9, 9, 1), 12)
    >>> for level in rng.integers(200, 3000, 30):
    ...     frame = np.full((9, 9, 1), level, np.uint16) + rng.integers(0, 20, (9, 9, 1)).astype(np.uint16)
    ...     frame[4, 4] += 300                        # a stable offset of 300 levels
    ...     _ = acc.update(frame)
    >>> offset, gain = response(evidence(acc), 4, 4, 0)
    >>> round(gain, 2), 280 < offset < 320
    (1.0, True)
    """
    fit = scene_fit(ev.acc, y, x, c)
    if fit.s_var <= 0:
        return None
    gain = fit.cov / fit.s_var
    if not GAIN_RANGE[0] <= gain <= GAIN_RANGE[1]:
        return None
    offset = fit.v_mean - gain * fit.s_mean
    # A gain within 3 standard errors of 1 is an offset alone (noise in s dilutes the
    # fitted slope below 1, which would scale the whole value).
    spread = max(fit.v_var - fit.cov * fit.cov / fit.s_var, 0.0)
    if abs(gain - 1.0) < 3.0 * np.sqrt(spread / (max(ev.acc.n - 2, 1) * fit.s_var)):
        gain, offset = 1.0, fit.v_mean - fit.s_mean
    # The residual v - s varies by the interpolation error and by what of the response
    # is not stable; a gain other than 1 explains (gain - 1)^2 var(s) of it.
    unexplained = fit.r_var - (gain - 1.0) ** 2 * fit.s_var
    if unexplained >= STABLE * _interpolation(ev.acc, y, x, c):
        return None
    return round(offset, 2), round(gain, 4)


def _interpolation(acc: Accumulator, y: int, x: int, c: int) -> float:
    """What a replacement gets wrong: the median of the neighbours' residual variances."""
    return float(np.median(scene_fit(acc, y, x, c).neighbour_r_var))


def confirm_responses(dmap: DefectMap, acc: Accumulator, read: Callable[[int], np.ndarray | None],
                      count: int, *, clipping: Clipping | None = None, workers: int = 1) -> None:  # fmt: skip
    """Drop a warm photosite's offset and gain unless the photos themselves bear it out.

    A photosite that stood out in every frame (``nexc == n``) was near clipping in none, so
    its sums are exact and it keeps its response. For the others, at most
    :data:`RESPONSE_FRAMES` of the group's photos, evenly spread, are read again.
    In each where the photosite is not near clipping (``clipping``'s boxes, as the
    statistics left it out) the response predicts the photosite from its neighbours,
    ``e = v - offset - gain * s``; the mean of ``e^2`` is what a compensation gets
    wrong (times ``gain^2``) plus what a replacement does. A response is kept where it
    is below :data:`STABLE` times ``gain^2`` times the interpolation error, in at least
    :data:`RESPONSE_MIN_FRAMES` such photos; otherwise the photosite is replaced.

    Parameters
    ----------
    dmap : DefectMap
        Changed in place (RAW frame).
    acc : Accumulator
        The group's statistics.
    read : callable
        ``read(i)``: the group's photo ``i`` of ``count`` as the statistics hold it (its
        colour planes), or None when it cannot be read.
    count : int
        Photos ``read`` can give.
    clipping : Clipping, optional
        Where a photo is too near clipping to be evidence.
    workers : int
        Photos read at a time.
    """
    strategy = strategy_for(dmap.frame)
    warm, points = [], []
    for d in dmap.defects:
        point = strategy.subpixel(d.x, d.y, d.channel, dmap.cfa)
        # Standing out in every frame, it was near clipping in none: the sums are exact.
        if d.offset is not None and d.gain is not None and int(acc.nexc[point]) < acc.n:
            warm.append(d)
            points.append(point)
    if not warm:
        return
    table = kernels.neighbour_table(dmap.cfa)
    errors: list[list[float]] = [[] for _ in warm]
    around: list[dict] = [{} for _ in warm]  # the neighbours' own residuals, by neighbour
    for _, frame, boxes in reread(read, sorted(spread(count, RESPONSE_FRAMES)), workers,
                                  clipping.boxes if clipping else None):  # fmt: skip
        for d, (y, x, c), out, theirs in zip(warm, points, errors, around, strict=True):
            if boxes is not None and _covered(boxes, y, x):
                continue
            near = kernels.neighbour_points(y, x, c, frame.shape, table)
            y0, y1 = min(y, *(q[0] for q in near)), max(y, *(q[0] for q in near)) + 1
            r = kernels.band_residual(frame, y0, y1, table)  # 8 (v - s), here and around
            s = float(frame[y, x, c]) - float(r[y - y0, x, c]) / 8.0
            out.append(float(frame[y, x, c]) - d.offset - d.gain * s)
            for q in near:
                if boxes is None or not _covered(boxes, q[0], q[1]):
                    theirs.setdefault(q, []).append(float(r[q[0] - y0, q[1], q[2]]) / 8.0)
    for d, out, theirs in zip(warm, errors, around, strict=True):
        # what a replacement gets wrong: the median of the neighbours' residual variances
        spreads = [np.var(v) for v in theirs.values() if len(v) >= RESPONSE_MIN_FRAMES]
        bound = STABLE * d.gain**2 * float(np.median(spreads)) if spreads else 0.0
        if len(out) < RESPONSE_MIN_FRAMES or float(np.mean(np.square(out))) >= bound:
            d.offset = d.gain = None


def _covered(boxes: Sequence, y: int, x: int) -> bool:
    """Whether a box ``(y0, y1, x0, x1)`` (inclusive) holds ``(y, x)``."""
    b = np.asarray(boxes)
    return bool(((b[:, 0] <= y) & (y <= b[:, 1]) & (b[:, 2] <= x) & (x <= b[:, 3])).any())
