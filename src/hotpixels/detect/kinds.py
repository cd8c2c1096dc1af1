"""What kind of defect a subpixel is: hot, warm, stuck or dead.

The kind is read from how the subpixel's value follows the scene. Over the frames its
value ``v`` is fitted to the mean ``s`` of its 8 same-channel neighbours, ``v = a + b s``
(from the accumulator's sums: the neighbours' temporal variance stands for that of their
mean), which gives the *slope* ``b`` and the *level* ``L = a / (1 - b)`` the value
tends to whatever the scene:

- ``b`` near 1, the value follows the scene: a positive excess (in linear light, where
  an offset is an offset) is **hot** from the frame's ``hot_excess`` and **warm** below
  it, a negative one **dead**. In a developed photo the slope is taken in linear light
  (the sRGB curve bends an offset's slope below 1: a warm pixel's fell to 0.5-0.8 with
  a demosaic on gamma-encoded values), and the excess is the photosite's, as its smear
  adds up over 3x3 or 5x5 pixels (:func:`photosite_excess`: sharpening and demosaics move an
  excess between pixels, but hardly change its sum);
- otherwise the value ignores the scene (a demosaic and JPEG smear the neighbours into a
  developed pixel, so its slope is rarely 0) and its level (in unsmeared RAW values
  simply the mean) says the kind: **dead** at or below ``dead_mean``, **hot** near full
  scale (a photosite that saturates in most frames looks exactly like one stuck there)
  or far brighter than the scene, **stuck** at any level between.

The levels come from the frame's strategy (:mod:`hotpixels.frames`): RAW values are
linear and unsmeared, photo values are not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hotpixels import kernels
from hotpixels.detect.evidence import Evidence
from hotpixels.frames import FrameStrategy
from hotpixels.stats import Accumulator

__all__ = ["FOLLOWS", "HOT_LEVEL", "HOT_MEAN", "SceneFit", "classify", "photosite_excess", "scene_fit",
           "scene_line"]

#: Slope from which a value follows the scene (a normal subpixel has 1).
FOLLOWS = 0.8
#: Level (share of full scale) from which a value that ignores the scene is hot.
HOT_LEVEL = 0.9
#: Mean (share of full scale) from which a subpixel that ignores the scene is hot.
HOT_MEAN = 0.85


@dataclass(frozen=True)
class SceneFit:
    """A subpixel's value ``v`` against its neighbours' mean ``s`` over the frames, from
    the accumulator's sums over its 3x3 window (the neighbours' temporal variance
    stands for that of their mean)."""

    v_mean: float
    s_mean: float
    v_var: float
    s_var: float
    #: Temporal variance of the residual ``v - s``.
    r_var: float
    #: The same of each neighbour (how far the mean of its own neighbours is from it).
    neighbour_r_var: np.ndarray

    @property
    def cov(self) -> float:
        """``cov(v, s)``, from ``var(v - s) = var(v) + var(s) - 2 cov(v, s)``."""
        return (self.v_var + self.s_var - self.r_var) / 2.0


def scene_fit(acc: Accumulator, y: int, x: int, c: int) -> SceneFit:
    """The sums :class:`SceneFit` needs for subpixel ``(y, x, c)`` (and its neighbours:
    the 3x3 window of its channel, or those of the accumulator's neighbour table)."""
    m, n, _ = acc.shape
    rows, cols = slice(max(y - 1, 0), min(y + 2, m)), slice(max(x - 1, 0), min(x + 2, n))
    if acc.table is not None:
        var, mean, residual = acc.variance(rows), acc.mean(rows), acc.residual_variance(rows)
        around = tuple(np.array([(yy - rows.start, xx, k) for yy, xx, k in
                                 kernels.neighbour_points(y, x, c, acc.shape, acc.table)]).T)  # fmt: skip
        me = (y - rows.start, x, c)
        return SceneFit(float(mean[me]), float(mean[around].mean()), float(var[me]),
                        float(var[around].mean()), float(residual[me]), residual[around])  # fmt: skip
    var = acc.variance(rows)[:, cols, c]
    mean = acc.mean(rows)[:, cols, c]
    residual = acc.residual_variance(rows)[:, cols, c]
    cy, cx = y - rows.start, x - cols.start
    around = np.ones(var.shape, bool)
    around[cy, cx] = False
    return SceneFit(float(mean[cy, cx]), float(mean[around].mean()), float(var[cy, cx]),
                    float(var[around].mean()), float(residual[cy, cx]), residual[around])  # fmt: skip


def scene_line(ev: Evidence, y: int, x: int, c: int) -> tuple[float, float]:
    """Slope and level of subpixel ``(y, x, c)``'s value against its neighbours' mean.

    Parameters
    ----------
    ev : Evidence
    y, x, c : int
        Row, column and channel in the statistics.

    Returns
    -------
    slope : float
        ``b`` of ``v = a + b s`` (1: follows the scene; 0: ignores it).
    level : float
        ``a / (1 - b)`` over full scale, above black: where the value stays whatever
        the scene (``inf`` for a slope of 1 or more).

    Examples
    --------
    >>> import numpy as np
    >>> from hotpixels.detect.evidence import evidence
    >>> from hotpixels.stats import Accumulator
    >>> acc = Accumulator.empty((5, 5, 1), 8)
    >>> for level in range(40, 240, 20):
    ...     frame = np.full((5, 5, 1), level, np.uint8)
    ...     frame[2, 2] = 128                      # stuck at half scale
    ...     _ = acc.update(frame)
    >>> slope, level = scene_line(evidence(acc), 2, 2, 0)
    >>> round(slope, 2), round(level, 2)
    (0.0, 0.5)
    """
    fit = scene_fit(ev.acc, y, x, c)
    slope = fit.cov / max(fit.s_var, 1e-9)
    a = fit.v_mean - slope * fit.s_mean
    level = np.inf if slope >= 1.0 else (a / (1.0 - slope) - ev.acc.black) / ev.full_scale
    return slope, float(level)


def photosite_excess(ev: Evidence, y: int, x: int, c: int, strategy: FrameStrategy) -> float:
    """The excess of the photosite behind pixel ``(y, x)`` of a developed photo, in
    linear light: the sum over its 3x3 (or 5x5, whichever is larger) pixels of channel
    ``c``'s linear mean above the median of the ring around them, over the share of
    pixels the channel samples on a Bayer sensor (a half for green, a quarter for red
    and blue).

    Parameters
    ----------
    ev : Evidence
    y, x, c : int
    strategy : FrameStrategy
        The group's frame (its ``linear``).

    Returns
    -------
    float
        Fraction of full scale.

    Examples
    --------
    >>> import numpy as np
    >>> from hotpixels.detect.evidence import evidence
    >>> from hotpixels.frames import RAW
    >>> from hotpixels.stats import Accumulator
    >>> acc = Accumulator.empty((9, 9, 1), 8)
    >>> frame = np.full((9, 9, 1), 51, np.uint8)
    >>> frame[3:6, 3:6] = 102                       # a smear of 9 x 0.2 of full scale
    >>> _ = acc.update(frame)
    >>> round(photosite_excess(evidence(acc), 4, 4, 0, RAW), 2)
    1.8
    """
    acc = ev.acc
    m, n, channels = acc.shape
    share = (0.5 if c == 1 else 0.25) if channels == 3 else 1.0

    def added_up(half: int) -> float | None:
        rows = slice(max(y - half - 1, 0), min(y + half + 2, m))
        cols = slice(max(x - half - 1, 0), min(x + half + 2, n))
        lin = np.vectorize(strategy.linear)((acc.mean(rows)[:, cols, c] - acc.black) / ev.full_scale)
        cy, cx = y - rows.start, x - cols.start
        inner = np.zeros(lin.shape, bool)
        inner[max(cy - half, 0) : cy + half + 1, max(cx - half, 0) : cx + half + 1] = True
        ring = lin[~inner]
        if ring.size < 8:  # the photo ends: no background to measure against
            return None
        return float((lin[inner] - np.median(ring)).sum() * share)

    # Noise reduction spreads a smear beyond 3x3: the larger sum then holds more of it.
    sums = [v for v in (added_up(1), added_up(2)) if v is not None]
    return max(sums) if sums else 0.0


def _linear_slope(slope: float, mean: float, scene: float, strategy: FrameStrategy) -> float:
    """The slope of the value against the scene in linear light (by the curve's
    derivatives at the value's and the scene's means)."""
    h = 1.0 / 512

    def gain(v: float) -> float:
        lo, hi = max(v - h, 0.0), min(v + h, 1.0)
        return (strategy.linear(hi) - strategy.linear(lo)) / max(hi - lo, 1e-9)

    return slope * gain(mean) / max(gain(scene), 1e-9)


def classify(ev: Evidence, y: int, x: int, c: int, strategy: FrameStrategy, excess: float | None = None
             ) -> str:  # fmt: skip
    """The kind of subpixel ``(y, x, c)`` of the evidence.

    Parameters
    ----------
    ev : Evidence
    y, x, c : int
        Row, column and channel in the statistics.
    strategy : FrameStrategy
        The group's frame (its kind levels).
    excess : float, optional
        A developed photo's photosite excess when known better than
        :func:`photosite_excess` adds it up (a partner's crosstalk added back).

    Returns
    -------
    {"hot", "warm", "stuck", "dead"}
    """
    slope, level = scene_line(ev, y, x, c)
    mean = (ev.mean(y, x, c) - ev.acc.black) / ev.full_scale
    scene = mean - ev.mean_residual(y, x, c) / ev.full_scale
    if strategy.smeared:
        excess = photosite_excess(ev, y, x, c, strategy) if excess is None else excess
        slope = _linear_slope(slope, mean, scene, strategy)
    else:
        excess = strategy.linear(mean) - strategy.linear(scene)
    if slope >= FOLLOWS:
        # In a developed photo the sign is the photosite's, as its smear adds up (the
        # entry's pixel may sit beside it, where a colour matrix or JPEG flips it).
        if (excess if strategy.smeared else ev.z[y, x, c]) < 0:
            return "dead"
        return "hot" if excess >= strategy.hot_excess else "warm"
    # Unsmeared (RAW): the value itself is the level, which a small error of the
    # slope cannot move.
    if (level if strategy.smeared else mean) <= strategy.dead_mean:
        return "dead"
    # Saturated, or far brighter than the scene (one that appeared during the series
    # mixes two regimes, so its slope says little).
    if level >= HOT_LEVEL or mean >= HOT_MEAN or excess >= strategy.hot_excess:
        return "hot"
    return "stuck"
