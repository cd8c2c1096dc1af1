"""Where a frame is too near clipping for its residual to be evidence.

A clipped highlight that recurs at one place (a window, a lamp, the sun in a series
from one spot) would otherwise look like defects at its edges: there, in the frames
that show it, the accumulator adds only the value sums (:func:`hotpixels.kernels.clip_boxes`
finds the places). A lone clipped pixel is a defect's own business (a hot pixel is
clipped), so only clipped *areas* count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hotpixels import kernels

__all__ = ["Clipping", "stack_boxes"]


@dataclass(frozen=True)
class Clipping:
    """Where a frame is too near clipping for its residual to be evidence.

    Examples
    --------
    >>> Clipping.image(8), Clipping.raw(4095).level
    (Clipping(level=240, radius=4, per_channel=False, area=3), 4013)
    """

    level: int
    radius: int = 0
    per_channel: bool = False
    area: int = 3

    @classmethod
    def image(cls, bits: int) -> Clipping:
        """Developed photos: white (every channel at 94 % of full scale or more) in an area
        (3 more beside it), reaching 4 px (its demosaic, JPEG and noise-reduction smear)."""
        return cls(240 if bits == 8 else 240 * 257, 4, False)

    @classmethod
    def raw(cls, white: int) -> Clipping:
        """RAW colour planes: a same-colour neighbour at 98 % of the white level, in a
        clipped area (two more photosites of any colour beside it: a highlight clips
        every colour, a hot photosite one)."""
        return cls(int(0.98 * white), 1, True, 2)

    def boxes(self, frame: np.ndarray) -> np.ndarray | None:
        """The frame's boxes (None: nothing near clipping)."""
        return kernels.clip_boxes(frame, self.level, self.radius, self.per_channel, self.area)


def stack_boxes(boxes: list) -> np.ndarray | None:
    """Per-frame boxes (or None) of a stack, as ``(frame, y0, y1, x0, x1)`` rows for
    :func:`hotpixels.stats.accumulate`; None when no frame has any.

    Examples
    --------
    >>> stack_boxes([None, np.array([[1, 2, 3, 4]], np.int32)]).tolist()
    [[1, 1, 2, 3, 4]]
    """
    rows = [np.column_stack([np.full(len(b), i, np.int32), b]) for i, b in enumerate(boxes)
            if b is not None and len(b)]  # fmt: skip
    return np.concatenate(rows).astype(np.int32) if rows else None
