"""Developed photos: the excess a partner photosite's colour mixing takes from a defect.

A camera's colour matrix mixes each channel into the others, partly with negative
weights: a hot red photosite also darkens green and blue around it. A lone defect (no
other centre within :data:`hotpixels.detect.pairs.ISOLATED` px) shows this camera's
mixing: the photosite excess (:func:`hotpixels.detect.kinds.photosite_excess`) of each
other channel over that of its own, the median over the lone bright defects of a
channel (at least :data:`hotpixels.detect.pairs.MIN_EXAMPLES`; red or blue borrows the
other's, the two exchanged) is its *crosstalk*.

When two defective photosites touch, the excess added up around one holds the other's
crosstalk too. Where that is negative (a colour matrix), it hides part of the excess:
a green at 35 % of full scale beside a full-scale red read warm (7 of the 29 kinds
missed on the colour-matrix set, seeds 1-5). :func:`partner_excess` adds it back. A
positive spill (demosaics and JPEG chroma spreading one colour into the others) is left
in: an edge-aware demosaic keeps only part of a photosite's excess, and taking the spill
away too turned 3 hot partners of the edge-aware set warm (seeds 11-15).
"""

from __future__ import annotations

import numpy as np

from hotpixels.detect.evidence import Evidence
from hotpixels.detect.kinds import photosite_excess
from hotpixels.detect.pairs import MIN_EXAMPLES, borrowed, isolated
from hotpixels.frames import FrameStrategy

__all__ = ["TEACHES", "crosstalk", "partner_excess"]

#: The least photosite excess of its own channel (linear light) a lone defect teaches
#: with: below it, the ratios are mostly noise.
TEACHES = 0.07


def crosstalk(ev: Evidence, strategy: FrameStrategy, centres: list[tuple[int, int]],
              channels: dict[tuple[int, int], int]) -> dict[int, np.ndarray]:  # fmt: skip
    """This camera's crosstalk: per channel of a defect, each channel's photosite excess
    over its own (1 for its own), from the lone bright defects that show an excess.

    Parameters
    ----------
    ev : Evidence
    strategy : FrameStrategy
    centres : list of (row, column)
        The defect centres.
    channels : dict
        Each centre's channel.

    Returns
    -------
    dict
        Channel index to a ratio per channel; only channels with enough lone defects
        (or, for red and blue, the other's).

    Examples
    --------
    >>> import numpy as np
    >>> from hotpixels.detect.evidence import evidence
    >>> from hotpixels.frames import IMAGE
    >>> from hotpixels.stats import Accumulator
    >>> acc = Accumulator.empty((40, 40, 3), 8)
    >>> frame = np.full((40, 40, 3), 60, np.uint8)
    >>> reds = [(8, 8), (8, 28), (28, 18)]
    >>> for y, x in reds:                                   # hot reds that darken green
    ...     frame[y - 1 : y + 2, x - 1 : x + 2] = 150, 50, 60
    ...     frame[y, x] = 250, 40, 60
    >>> _ = acc.update(frame)
    >>> talk = crosstalk(evidence(acc), IMAGE, reds, dict.fromkeys(reds, 0))
    >>> {c: np.round(r, 2).tolist() for c, r in talk.items()}
    {0: [1.0, -0.09, 0.0], 2: [0.0, -0.09, 1.0]}
    """
    ratios: dict[int, list[list[float]]] = {}
    for y, x in centres:
        c = channels[(y, x)]
        if ev.z[y, x, c] <= 0 or ev.decoupling[y, x, c] >= 1.0 or not isolated(y, x, centres):
            continue
        excess = [photosite_excess(ev, y, x, k, strategy) for k in range(ev.z.shape[2])]
        if excess[c] >= TEACHES:
            ratios.setdefault(c, []).append([e / excess[c] for e in excess])
    out = {c: np.median(r, axis=0) for c, r in ratios.items() if len(r) >= MIN_EXAMPLES}
    return borrowed(out, lambda r: r[::-1].copy()) if ev.z.shape[2] == 3 else out


def partner_excess(ev: Evidence, strategy: FrameStrategy, y: int, x: int, c: int,
                   partner: tuple[int, int, int] | None, talk: dict[int, np.ndarray]
                   ) -> float | None:  # fmt: skip
    """The photosite excess of defect ``(y, x)`` in its channel ``c``, with what the
    negative crosstalk of its partner took away added back.

    Parameters
    ----------
    ev : Evidence
    strategy : FrameStrategy
    y, x, c : int
    partner : (row, column, channel) or None
        The one other defect within 2 px, if there is exactly one.
    talk : dict
        :func:`crosstalk`.

    Returns
    -------
    float or None
        None when there is nothing to add back (no partner, one of the same colour,
        no crosstalk known for its colour, or a positive one).

    Examples
    --------
    >>> import numpy as np
    >>> from hotpixels.detect.evidence import evidence
    >>> from hotpixels.frames import IMAGE
    >>> from hotpixels.stats import Accumulator
    >>> acc = Accumulator.empty((12, 12, 3), 8)
    >>> frame = np.full((12, 12, 3), 60, np.uint8)
    >>> frame[5:8, 5:8, 0] = 250                        # a hot red ...
    >>> frame[5:8, 5:8, 1] = 40                         # ... darkening green
    >>> _ = acc.update(frame)
    >>> ev = evidence(acc)
    >>> own, red = photosite_excess(ev, 6, 7, 1, IMAGE), photosite_excess(ev, 6, 6, 0, IMAGE)
    >>> round(own, 3), round(red, 2)
    (-0.072, 2.05)
    >>> talk = {0: np.array([1.0, -0.5, 0.0])}    # red takes half its excess from green
    >>> round(partner_excess(ev, IMAGE, 6, 7, 1, (6, 6, 0), talk), 2)
    0.95
    """
    if partner is None or partner[2] == c or partner[2] not in talk:
        return None
    ratio = float(talk[partner[2]][c])
    if ratio >= 0:
        return None
    own = photosite_excess(ev, y, x, c, strategy)
    return own - ratio * photosite_excess(ev, partner[0], partner[1], partner[2], strategy)
