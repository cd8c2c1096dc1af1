"""Repeated scenes (a tripod burst, a time-lapse): forty frames of one scene are one piece
of evidence, not forty.

A frame repeats when its 1/32-scale brightness layout, normalised by its mean
(:func:`thumbnail`), differs by less than :data:`REPEAT_TOLERANCE` from one of the
:data:`RECENT` frames before it in its group's file order (any of them, repeat or not):
a rule that depends on the files alone, so any split of the files into chunks gives
the same answer. A chunk decides it for every frame whose predecessors it holds; its
first frames are added provisionally, and :class:`Resolver`, which sees the chunks'
thumbnails in file order, lists those that repeat the end of the previous chunk, to be
subtracted again.

Examples
--------
>>> import numpy as np
>>> a = np.full((64, 64, 3), 100, np.uint8)
>>> repeats(thumbnail(a), [thumbnail(a // 2)])  # the same layout, half the exposure
True
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from hotpixels import kernels
from hotpixels.io.decode import FileInfo

__all__ = ["RECENT", "REPEAT_TOLERANCE", "Resolver", "repeats", "thumbnail"]

#: A frame repeats a scene when its normalised thumbnail differs by less than this.
REPEAT_TOLERANCE = 0.04
#: How many preceding frames of the group a frame is compared with.
RECENT = 8


def thumbnail(frame: np.ndarray) -> np.ndarray:
    """1/32-scale brightness layout of a frame, normalised to mean 1 (exposure-free)."""
    sums = kernels.block_sums(frame).astype(np.float64)
    return sums / max(float(sums.mean()), 1e-6)


def repeats(thumb: np.ndarray, recent: Iterable[np.ndarray]) -> bool:
    """Whether a frame of thumbnail ``thumb`` repeats one of the ``recent`` frames."""
    return any(float(np.mean(np.abs(old - thumb))) < REPEAT_TOLERANCE for old in recent)


class Resolver:
    """Settles provisional frames in file order and lists the ones to subtract.

    Chunks (anything with ``group``) and their results (``outcomes``, each with
    ``provisional``, ``thumb``, ``before``, ``status`` and ``info``; and ``tail``, the
    thumbnails of the chunk's last frames) are settled one after another in file order.
    """

    def __init__(self) -> None:
        self.recent: dict[int, list[np.ndarray]] = {}
        self.undo: dict[int, list[FileInfo]] = {}

    def lookback(self, chunk) -> list[np.ndarray]:
        """The thumbnails of the frames before ``chunk`` in its group, as far as settled."""
        return list(self.recent.get(chunk.group, []))

    def settle(self, chunk, result, repeat_status) -> None:
        """Mark the provisional frames of ``result`` that repeat the previous chunk's end
        with ``repeat_status`` and list them in :attr:`undo`."""
        key = chunk.group
        before = self.recent.get(key, [])
        for out in result.outcomes:
            if out.provisional:
                window = before[len(before) - (RECENT - out.before) :] if RECENT > out.before else []
                if repeats(out.thumb, window):
                    out.status = repeat_status
                    self.undo.setdefault(key, []).append(out.info)
            out.thumb = None
        self.recent[key] = (before + result.tail)[-RECENT:]
