"""Photos read again for the few checks that need them, at a bounded cost.

Detection never opens files: a check that needs the photos themselves (a first date, a
warm photosite's response) gets a callable that reads one by index, picks at most a
fixed number of them (:func:`spread`, so the cost does not grow with the archive) and
reads them with :func:`reread`, a few at a time on threads (the decoders release the
GIL), so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = ["reread", "spread"]


def spread(n: int, k: int) -> set[int]:
    """At most ``k`` of ``range(n)``, evenly spread, first and last included.

    Examples
    --------
    >>> sorted(spread(10, 4)), sorted(spread(3, 4))
    ([0, 3, 6, 9], [0, 1, 2])
    """
    if n <= k:
        return set(range(n))
    return {round(i * (n - 1) / (k - 1)) for i in range(k)}


def reread(read: Callable[[int], np.ndarray | None], indices: Iterable[int], workers: int = 1,
           prepare: Callable[[np.ndarray], Any] | None = None
           ) -> Iterator[tuple[int, np.ndarray, Any]]:  # fmt: skip
    """Read frames again: ``(index, frame, prepare(frame))`` for each that can be read.

    Parameters
    ----------
    read : callable
        ``read(index)``: the decoded frame, or None when it cannot be read now.
    indices : iterable of int
        Which frames, in this order.
    workers : int
        Frames read (and prepared) at a time, on threads.
    prepare : callable, optional
        Work on each frame done on the reading thread (e.g. its noise threshold).

    Examples
    --------
    >>> frames = {0: np.zeros((2, 2, 1)), 2: np.ones((2, 2, 1))}
    >>> [(i, float(f.sum()), x) for i, f, x in reread(frames.get, [0, 1, 2], 2, np.ndim)]
    [(0, 0.0, 3), (2, 4.0, 3)]
    """

    def load(index: int):
        frame = read(index)
        return index, frame, None if frame is None or prepare is None else prepare(frame)

    order = list(indices)
    batch = max(1, workers)
    with ThreadPoolExecutor(batch) as pool:
        for i in range(0, len(order), batch):  # a batch at a time: memory stays bounded
            for index, frame, extra in pool.map(load, order[i : i + batch]):
                if frame is not None:
                    yield index, frame, extra
