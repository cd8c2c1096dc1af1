"""What kind of defect a subpixel is: hot, warm, stuck or dead.

Negative excess is dead; a decoupled subpixel (one that ignores its neighbours) is hot
when its mean sits near full scale, stuck otherwise, dead when dark; a positive excess
is hot from the frame's ``hot_excess`` (a fraction of full scale) and warm below it.
The levels come from the frame's strategy (:mod:`hotpixels.frames`): RAW values are
linear and unsmeared, photo values are not.
"""

from __future__ import annotations

from hotpixels.detect.evidence import Evidence
from hotpixels.frames import FrameStrategy

__all__ = ["classify"]


def classify(ev: Evidence, y: int, x: int, c: int, strategy: FrameStrategy) -> str:
    """The kind of subpixel ``(y, x, c)`` of the evidence.

    Parameters
    ----------
    ev : Evidence
    y, x, c : int
        Row, column and channel in the statistics.
    strategy : FrameStrategy
        The group's frame (its kind levels).

    Returns
    -------
    {"hot", "warm", "stuck", "dead"}
    """
    z = ev.z[y, x, c]
    mean = (ev.mean(y, x, c) - ev.acc.black) / ev.full_scale
    excess = ev.mean_residual(y, x, c) / ev.full_scale
    decoupled = ev.decoupling[y, x, c] >= 1.0
    if z < 0 and abs(z) >= ev.z_threshold:
        # Linear and unsmeared (RAW): a dark outlier that ignores the scene at a value
        # clearly above black is stuck, not dead.
        stuck = strategy.dark_stuck and decoupled and mean > strategy.dead_mean
        return "stuck" if stuck else "dead"
    if decoupled and abs(z) < ev.z_threshold:
        if mean >= 0.9:
            return "hot"
        return "dead" if mean <= strategy.dead_mean else "stuck"
    if decoupled and mean >= 0.85:
        return "hot"
    if decoupled and excess < 0.1 and mean < 0.8:
        return "stuck"
    return "hot" if excess >= strategy.hot_excess else "warm"
