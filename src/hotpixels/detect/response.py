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

Known limit: frames near clipping add to the value sums only, not to the residual's
square sum (:meth:`hotpixels.stats.Accumulator.update`), so where a photosite was near
clipping in some frames its residual variance reads low and an unstable response can
pass (on the benchmark, 2 of 11 warm photosites with a varying offset).
"""

from __future__ import annotations

import numpy as np

from hotpixels.detect.evidence import Evidence
from hotpixels.detect.kinds import scene_fit

__all__ = ["GAIN_RANGE", "STABLE", "response"]

#: A response is kept where the fit's residual variance is below this many times the
#: neighbours' interpolation error.
STABLE = 2.0
#: Gains outside this range are not a warm photosite's (a fit gone wrong).
GAIN_RANGE = (0.5, 2.0)


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
    fit = scene_fit(ev, y, x, c)
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
    interpolation = float(np.median(fit.neighbour_r_var))
    if unexplained >= STABLE * interpolation:
        return None
    return round(offset, 2), round(gain, 4)
