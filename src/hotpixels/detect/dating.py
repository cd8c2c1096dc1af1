"""When a defect appeared: first dates from the statistics, confirmed against earlier photos.

The state keeps, per subpixel, the earliest and the latest frame by capture date that
showed it beyond 6 sigmas (``seen``, ``last``). :func:`first_seen` turns the first into
a date when the defect appeared during the series and stood out photo after photo since;
:func:`last_seen` gives the date of the latest photo that showed it;
:func:`confirm_first_seen` then looks again at a few photos taken before that date
(through a callable that reads them, so detection never opens files itself) and drops
the date if the defect showed in them after all.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

import numpy as np

from hotpixels import kernels
from hotpixels.detect.reread import reread, spread
from hotpixels.frames import strategy_for
from hotpixels.maps.model import DefectMap
from hotpixels.stats import NEVER_SEEN, Accumulator, frame_threshold

__all__ = ["ABSENT_FRAMES", "ABSENT_SHARE", "CONFIRM_FRAMES", "LATE_CONSISTENCY", "LATE_SHARE",
           "confirm_first_seen", "first_seen", "last_seen"]

#: A defect first seen after this share of the frames (and 3), and standing out in this
#: share of the frames since (at least 5 and a fifth of all), appeared during the series.
LATE_SHARE = 0.1
LATE_CONSISTENCY = 0.9
#: Photos before a first date that are read again to confirm it (evenly spread).
CONFIRM_FRAMES = 16
#: Share of those photos that must show clearly that the defect was absent ...
ABSENT_SHARE = 0.6
#: ... and how many at least. A defect present from the first photo can hide in the
#: first few (a bright scene, or a colour matrix taking from it what the others add):
#: two full-scale green photosites of the varied sets (seeds 1-25), first seen in the
#: 4th and 5th photo, had 2 of 3 and 3 of 4 earlier photos "clearly" without them; no
#: defect that did appear later had fewer than 5 (115 dated, 6 kinds of set).
ABSENT_FRAMES = 4


def first_seen(acc: Accumulator, dates: list | None, y: int, x: int, c: int):
    """The capture date from which a defect shows, if it appeared during the series.

    ``seen`` gives the first frame (by date) that showed the subpixel beyond 6 sigmas;
    that is a late appearance when it comes after :data:`LATE_SHARE` of the frames (and
    3), and the defect stood out (3 sigmas, ``nexc``) in nearly every frame since
    (:data:`LATE_CONSISTENCY`; a weak defect that shows now and then may well have been
    there before). Otherwise None: as far as these photos tell, it was always there.
    (A stuck subpixel stands out only where the scene differs from it, so it is rarely
    dated.)
    """
    code = int(acc.seen[y, x, c]) if acc.seen is not None else 0
    if not dates or code == 0 or acc.n == 0:
        return None
    rank = NEVER_SEEN - code
    if rank >= len(dates) or dates[rank] is None:
        return None
    read = [r for r, d in enumerate(dates) if d is not None]  # frames that were read
    n, place = len(read), bisect.bisect_left(read, rank)
    after = n - place  # frames from its first strong showing on
    if place < max(3, int(np.ceil(LATE_SHARE * n))) or after < max(5, 0.2 * n):
        return None
    if abs(int(acc.nexc[y, x, c])) < LATE_CONSISTENCY * after * acc.n / n:
        return None  # not shown photo after photo since: weak, and may well predate it
    return dates[rank]


def last_seen(acc: Accumulator, dates: list | None, y: int, x: int, c: int):
    """The capture date of the latest photo that showed a defect beyond 6 sigmas, or None.

    From ``last`` (``rank + 1`` of that photo); None without dates, or when no dated
    photo showed it that strongly (a weak or stuck defect may not).

    Examples
    --------
    >>> import datetime as dt
    >>> import numpy as np
    >>> acc = Accumulator()
    >>> dates = [dt.datetime(2024, 1, d) for d in (1, 2, 3)]
    >>> for r in range(3):
    ...     f = np.full((8, 8, 3), 50, np.uint8)
    ...     f[4, 4, 0] = 250 if r < 2 else 50  # gone in the last photo
    ...     _ = acc.update(f, rank=r)
    >>> last_seen(acc, dates, 4, 4, 0).day, last_seen(acc, dates, 1, 1, 0)
    (2, None)
    """
    code = int(acc.last[y, x, c]) if acc.last is not None else 0
    if not dates or code == 0 or code > len(dates):
        return None
    return dates[code - 1]


def confirm_first_seen(dmap: DefectMap, dates: list, read: Callable[[int], np.ndarray | None], *,
                       workers: int = 1, white: int | None = None) -> None:  # fmt: skip
    """Drop a ``first_seen`` date when the photos before it show the defect after all.

    The state keeps only the first *strong* showing (6 sigmas); a weak defect may have
    shown more faintly before. Photos dated before each dated defect are read again
    (at most :data:`CONFIRM_FRAMES` of them, evenly spread, so the cost does not grow
    with the archive; ``workers`` at a time, on threads: the decoders release the
    GIL), and if the defect stood out in at least 2 of them and a fifth (its residual
    beyond the frame's noise threshold and half its mean excess, with its sign), it was
    there: the date is removed. The date is also removed unless most of them (at least
    :data:`ABSENT_FRAMES` and :data:`ABSENT_SHARE`) show *clearly* that it was absent: where the defect
    would have shown (its excess at least twice the frame's noise, and room for it
    between its neighbours and full scale, or black for a dark one) it did not.

    Parameters
    ----------
    dmap : DefectMap
        Changed in place.
    dates : list of datetime
        Capture dates of the group's frames by rank.
    read : callable
        ``read(rank)``: the decoded frame of that rank, ``(M, N, C)`` as the statistics
        hold it, or None when it cannot be read.
    workers : int
        Frames read at a time.
    white : int, optional
        The frames' full-scale value (default that of their dtype).
    """
    dated = [d for d in dmap.defects if d.first_seen is not None]
    if not dated:
        return
    strategy = strategy_for(dmap.frame)
    points = {id(d): strategy.subpixel(d.x, d.y, d.channel, dmap.cfa) for d in dated}
    table = kernels.neighbour_table(dmap.cfa)
    def earlier(date) -> set[int]:  # the frames read before it, at most CONFIRM_FRAMES
        ranks = [r for r in range(dates.index(date)) if dates[r] is not None]
        return {ranks[i] for i in spread(len(ranks), CONFIRM_FRAMES)}

    before = {id(d): earlier(d.first_seen) for d in dated}
    looked = dict.fromkeys(points, 0)
    shown = dict.fromkeys(points, 0)
    absent = dict.fromkeys(points, 0)
    ranks = sorted(set().union(*before.values()))
    for rank, frame, threshold in reread(read, ranks, workers, lambda f: frame_threshold(f, table)):
        for d in dated:
            key = id(d)
            if rank not in before[key]:
                continue
            y, x, c = points[key]
            r = int(kernels.band_residual(frame, y, y + 1, table)[0, x, c])
            sign = 1 if (d.excess or 0) >= 0 else -1
            # r is 8x the excess over the neighbours: beyond the noise and half of the
            # defect's mean excess
            looked[key] += 1
            shown[key] += sign * r > max(threshold, 4 * abs(d.excess or 0))
            absent[key] += _clearly_absent(frame, (y, x, c), sign * r, threshold, d.excess, white, table)
    for d in dated:
        key = id(d)
        enough = max(ABSENT_FRAMES, ABSENT_SHARE * looked[key])
        if shown[key] >= max(2, 0.2 * looked[key]) or absent[key] < enough:
            d.first_seen = None


def _clearly_absent(frame: np.ndarray, point: tuple[int, int, int], signed_r: int, threshold: int,
                    excess: float | None, white: int | None, table=None) -> bool:  # fmt: skip
    """Whether a frame shows clearly that a defect of mean ``excess`` was not there: it
    would have stood out (twice the noise, and room for it) and it did not."""
    e = abs(excess or 0.0)
    top = white or np.iinfo(frame.dtype).max
    if table is None:
        y, x, c = point
        m, n = frame.shape[:2]
        rows = frame[max(y - 1, 0) : min(y + 2, m), max(x - 1, 0) : min(x + 2, n), c].astype(np.float64)
        around = (rows.sum() - float(frame[point])) / max(rows.size - 1, 1)
    else:
        near = kernels.neighbour_points(*point, frame.shape, table)
        around = float(np.mean([float(frame[q]) for q in near]))
    room = (top - around) if (excess or 0) >= 0 else around
    return 8 * e >= 2 * threshold and room >= e and signed_r < threshold
