"""The original script's rule, for comparison: the subpixels of lowest temporal variance."""

from __future__ import annotations

import numpy as np

from hotpixels.detect.evidence import TILE, bands
from hotpixels.frames import FrameKind, strategy_for
from hotpixels.stats import Accumulator

__all__ = ["variance_ranking"]


def variance_ranking(acc: Accumulator, n: int = 10, *, frame: FrameKind | str = FrameKind.IMAGE,
                     cfa: str = "") -> list[tuple[int, int, str, float]]:  # fmt: skip
    """The original script's rule: the ``n`` subpixels with the lowest temporal variance.

    Parameters
    ----------
    acc : Accumulator
        Statistics of one camera group.
    n : int
        How many to return.
    frame : {"image", "raw"}
        The frame the statistics are of: for ``"raw"`` they hold a RAW mosaic's colour
        planes, and positions are photosites of the mosaic.
    cfa : str
        A RAW mosaic's 2x2 pattern (names the channels).

    Returns
    -------
    list of (x, y, channel, variance)
        Lowest variance first (ties by position).
    """
    m, w, c = acc.shape
    strategy = strategy_for(frame)
    names = strategy.channel_names(c, cfa)
    best: list[tuple[float, int, int, int, int]] = []
    for rows in bands(m, 4 * TILE):
        var = acc.variance(rows).ravel()
        k = min(n, var.size)
        idx = np.argpartition(var, k - 1)[:k]
        ys, xs, cs = np.unravel_index(idx, (rows.stop - rows.start, w, c))
        best += [(float(var[i]), int(y) + rows.start, int(x), int(ch), 0)
                 for i, y, x, ch in zip(idx, ys, xs, cs, strict=True)]  # fmt: skip
    best.sort(key=lambda t: (t[0], (t[1] * w + t[2]) * c + t[3]))
    return [(*strategy.position(y, x, ch, acc.shape[2]), names[ch], var) for var, y, x, ch, _ in best[:n]]
