"""Streaming per-subpixel statistics: exact, mergeable, bounded memory.

For every subpixel (one channel of one pixel) the accumulator keeps integer sums over
the frames it has seen:

``s1``
    sum of values, ``s2`` sum of squared values (temporal mean and variance);
``srr``
    sum of ``floor(r^2 / 8)`` of the *neighbour residual* ``r = 8 v - (sum of the 8
    same-channel neighbours)``: its temporal variance. A normal subpixel follows its
    neighbours (small, changing residual); a defect departs from them consistently
    (``hot``, ``warm``, ``dead``: a large mean) or ignores them (``stuck``: a residual
    that varies as much as the scene does);
``nexc``
    net count of frames that showed the subpixel as a defect: +1 for a frame where
    ``r`` is above the frame's noise threshold (3 robust standard deviations of ``r``
    over the frame, at least 4 levels), -1 where it is below minus that threshold;
``seen``
    the earliest frame (by capture date) whose residual went beyond twice that
    threshold (6 robust sigmas: noise alone rarely does), coded ``65535 - rank``
    (0: none, or no dates): merged by maximum, so it is exact and order-free too
    (a frame removed again as a repeat leaves it);
``last``
    the latest such frame, coded ``rank + 1`` (0: none), also merged by maximum.

The sum of the residual itself is not stored: the residual is linear, so its sum over
the frames is the residual of ``s1`` (:meth:`Accumulator.residual_sum`), exactly.

All sums are integers, so :meth:`Accumulator.merge` is plain addition, the same for
any order of frames and any split between workers (``seen`` is a maximum). 8-bit frames
take 18 bytes per subpixel (uint32 sums, an int16 count, uint16 ``seen`` and ``last``;
``srr`` widens to uint64 after 8256 frames); 16-bit frames and RAW mosaics 26 (uint64
``s2`` and ``srr``). Frames are added band by band (:mod:`hotpixels.kernels`): no
full-size temporary per frame. The neighbours are the 3x3 window of a subpixel's own
channel, or for X-Trans the nearest photosites of its colour (:attr:`Accumulator.cfa`).
"""

from __future__ import annotations

import datetime as _dt
import os
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np

from hotpixels import kernels
from hotpixels.errors import ParameterError
from hotpixels.kernels.clipping import Clipping, stack_boxes

__all__ = ["MAX_FRAMES", "MIN_FRAMES", "NEVER_SEEN", "STATE_FIELDS", "Accumulator", "accumulate",
           "frame_threshold", "neighbour_residual"]  # fmt: skip

#: The per-subpixel arrays of an :class:`Accumulator`, in the order kernels take them.
STATE_FIELDS = ("s1", "s2", "srr", "nexc", "seen", "last")
#: ``seen`` code of a frame of capture-date rank ``r``: ``NEVER_SEEN - r`` (0: never).
NEVER_SEEN = 65535
#: Largest ``floor(r^2 / 8)`` one 8-bit frame can add (``|r| <= 8 * 255``).
_SRR_STEP_8BIT = (8 * 255) ** 2 // 8
MAX_FRAMES = 32767
#: Fewest distinct frames from which the statistics decide anything.
MIN_FRAMES = 5
#: Rows per band when a frame is added: about 1 MB of state for a 10 MP frame.
BAND_ROWS = 16


def neighbour_residual(frame: np.ndarray, table: np.ndarray | None = None) -> np.ndarray:
    """Integer residual ``8 v - sum(8 neighbours)`` per subpixel, same colour.

    Parameters
    ----------
    frame : (M, N, C) ndarray of uint8 or uint16
    table : ndarray, optional
        The neighbours of each channel (:func:`hotpixels.kernels.neighbour_table`,
        X-Trans); None: the 3x3 window of its own channel.

    Returns
    -------
    (M, N, C) ndarray of int32 (int64 for 16-bit)
        Edges are mirrored, so border pixels compare with real neighbours.

    Examples
    --------
    >>> import numpy as np
    >>> f = np.zeros((5, 5, 1), np.uint8); f[2, 2] = 10
    >>> int(neighbour_residual(f)[2, 2, 0]), int(neighbour_residual(f)[2, 3, 0])
    (80, -10)
    """
    return kernels.band_residual(frame, 0, frame.shape[0], table)


def _srr_dtype(bits: int, n: int) -> type:
    """uint32 while ``n`` 8-bit frames cannot overflow it, else uint64."""
    return np.uint32 if bits == 8 and n * _SRR_STEP_8BIT < 2**32 else np.uint64


def frame_threshold(frame: np.ndarray, table: np.ndarray | None = None) -> int:
    """Noise threshold of one frame's residual: 3 robust sigmas, at least 4 levels.

    The median of ``|r|`` over every 8th row and column, from its histogram (exact).

    Parameters
    ----------
    frame : (M, N, C) ndarray of uint8 or uint16
    table : ndarray, optional
        The neighbours of each channel, as for :func:`neighbour_residual`.

    Returns
    -------
    int
        ``floor(max(3 * 1.4826 * median|r|, 32))`` in units of ``r`` (1/8 level); a
        residual is an excess when ``r > threshold`` (``r`` is an integer).
    """
    hist = kernels.residual_histogram(frame, table=table)
    total = int(hist.sum())
    cum = np.cumsum(hist)
    lo = int(np.searchsorted(cum, (total - 1) // 2 + 1))
    hi = int(np.searchsorted(cum, total // 2 + 1))
    mad = (lo + hi) / 2.0
    return int(max(3.0 * 1.4826 * mad, 32.0))


def accumulate(state, frames: np.ndarray, thresholds, *, sign: int = 1, locks=None,
               encs=None, boxes=None, table=None) -> None:  # fmt: skip
    """Add (``sign=1``) or remove (``-1``) a stack of frames to a state, band by band.

    Parameters
    ----------
    state : tuple of 6 ndarrays
        ``(s1, s2, srr, nexc, seen, last)`` of an :class:`Accumulator` (may live in shared memory).
    frames : (K, M, N, C) ndarray
        Frames of the state's shape.
    thresholds : sequence of int
        :func:`frame_threshold` of each frame.
    sign : {1, -1, 0}
        0: only ``seen`` (see :func:`hotpixels.kernels.update_rows`).
    locks : sequence of locks, optional
        Band ``b`` is updated under ``locks[b % len(locks)]`` (process pools share one
        state); bands are visited starting at a lock chosen by the process id, so
        that workers rarely wait for each other.
    encs : sequence of int, optional
        Each frame's ``seen`` code (``65535 - rank`` by capture date; 0 or omitted:
        unknown).
    boxes : (B, 5) ndarray of int32, optional
        Where the frames are too near clipping (:func:`stack_boxes` of
        :meth:`Clipping.boxes`).
    table : ndarray, optional
        The neighbours of each channel, as for :func:`neighbour_residual`.
    """
    m = frames.shape[1]
    bands = [(y, min(y + BAND_ROWS, m)) for y in range(0, m, BAND_ROWS)]
    if locks:
        start = os.getpid() % len(bands)
        bands = bands[start:] + bands[:start]
    ithr = np.asarray(thresholds, np.int64)
    for y0, y1 in bands:
        with locks[(y0 // BAND_ROWS) % len(locks)] if locks else nullcontext():
            kernels.update_rows(state, frames, y0, y1, ithr, sign, encs=encs, boxes=boxes, table=table)


@dataclass
class Accumulator:
    """Exact, mergeable per-subpixel statistics of one camera group.

    Use :meth:`update` once per frame, :meth:`merge` to combine accumulators that saw
    different frames (in any order, on any worker), then hand it to
    :func:`hotpixels.detect.detect_defects`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> frames = [rng.integers(0, 200, (8, 8, 3), dtype=np.uint8) for _ in range(4)]
    >>> a, b, whole = Accumulator(), Accumulator(), Accumulator()
    >>> for f in frames[:2]: _ = a.update(f)
    >>> for f in frames[2:]: _ = b.update(f)
    >>> for f in frames: _ = whole.update(f)
    >>> a.merge(b) == whole
    True
    """

    n: int = 0
    shape: tuple[int, ...] | None = None
    bits: int = 8
    s1: np.ndarray | None = None
    s2: np.ndarray | None = None
    srr: np.ndarray | None = None
    nexc: np.ndarray | None = None
    seen: np.ndarray | None = None
    last: np.ndarray | None = None
    first_taken: _dt.datetime | None = None
    last_taken: _dt.datetime | None = None
    sources: list[str] = field(default_factory=list)
    black: int = 0
    white: int = 0
    #: Colour filter pattern of a RAW group's planes ("": a photo, or a 2x2 tile).
    cfa: str = ""

    @property
    def table(self) -> np.ndarray | None:
        """Each channel's neighbours (:func:`hotpixels.kernels.neighbour_table`)."""
        return kernels.neighbour_table(self.cfa)

    @property
    def full_scale(self) -> float:
        """Range of the values: ``white - black`` (RAW levels), else 255 or 65535."""
        if self.white > self.black:
            return float(self.white - self.black)
        return 255.0 if self.bits == 8 else 65535.0

    @staticmethod
    def layout(shape: tuple[int, ...], bits: int, capacity: int = 0) -> list[tuple[str, type]]:
        """Field names and dtypes of the state for ``capacity`` frames of ``shape``."""
        wide = bits > 8  # s1 <= 65535 * MAX_FRAMES < 2**32 even for 16-bit frames
        return [("s1", np.uint32), ("s2", np.uint64 if wide else np.uint32),
                ("srr", _srr_dtype(bits, capacity)), ("nexc", np.int16),
                ("seen", np.uint16), ("last", np.uint16)]  # fmt: skip

    @classmethod
    def empty(cls, shape, bits: int, *, capacity: int = 0, buffer=None) -> Accumulator:
        """A zeroed state for frames of ``shape``, sized for ``capacity`` frames.

        Parameters
        ----------
        shape : (M, N, C)
        bits : {8, 16}
        capacity : int
            Most frames it will hold (chooses the width of ``srr``).
        buffer : writable buffer, optional
            Zero-filled memory of :meth:`state_bytes` bytes to hold the arrays (e.g.
            shared memory that several processes add to).
        """
        shape = tuple(int(v) for v in shape)
        if len(shape) != 3 or shape[0] < 2 or shape[1] < 2:
            msg = f"frames must be at least 2x2 pixels, got {shape}"
            raise ParameterError(msg)
        arrays, offset = {}, 0
        for name, dtype in cls.layout(shape, bits, capacity):
            if buffer is None:
                arrays[name] = np.zeros(shape, dtype)
            else:
                arrays[name] = np.ndarray(shape, dtype, buffer=buffer, offset=offset)
            offset += int(np.prod(shape)) * np.dtype(dtype).itemsize
        return cls(shape=shape, bits=bits, **arrays)

    @classmethod
    def state_bytes(cls, shape, bits: int, capacity: int = 0) -> int:
        """Bytes of state :meth:`empty` needs."""
        size = int(np.prod(shape))
        return sum(size * np.dtype(t).itemsize for _, t in cls.layout(shape, bits, capacity))

    @property
    def state(self) -> tuple[np.ndarray, ...]:
        """The arrays ``(s1, s2, srr, nexc, seen, last)``, as :func:`accumulate` takes them."""
        return tuple(getattr(self, f) for f in STATE_FIELDS)

    @property
    def nbytes(self) -> int:
        """Bytes of per-subpixel state."""
        return sum(getattr(self, f).nbytes for f in STATE_FIELDS if getattr(self, f) is not None)

    def _check(self, frame: np.ndarray) -> None:
        if frame.ndim != 3 or frame.dtype not in (np.uint8, np.uint16):
            msg = f"frame must be (M, N, C) uint8 or uint16, got {frame.shape} {frame.dtype}"
            raise ParameterError(msg)
        if self.shape is None:
            new = Accumulator.empty(frame.shape, 8 if frame.dtype == np.uint8 else 16)
            for name in ("shape", "bits", *STATE_FIELDS):
                setattr(self, name, getattr(new, name))
        elif frame.shape != self.shape or (frame.dtype == np.uint8) != (self.bits == 8):
            msg = f"frame {frame.shape} {frame.dtype} does not match the group's {self.shape}"
            raise ParameterError(msg)
        if self.n >= MAX_FRAMES:
            msg = f"more than {MAX_FRAMES} frames in one accumulator; split the input"
            raise ParameterError(msg)

    def note(self, *, taken: _dt.datetime | None = None, source=None, count: int = 1) -> None:
        """Record ``count`` frames added to the arrays by :func:`accumulate`."""
        self.n += count
        if taken is not None:
            self.first_taken = min(filter(None, (self.first_taken, taken)))
            self.last_taken = max(filter(None, (self.last_taken, taken)))
        if source is not None:
            self.sources.append(str(source))

    def update(self, frame: np.ndarray, *, taken: _dt.datetime | None = None, source=None,
               rank: int | None = None, clipping: Clipping | bool = True):  # fmt: skip
        """Add one frame.

        Parameters
        ----------
        frame : (M, N, C) ndarray of uint8 or uint16
            One decoded image of this camera group.
        taken : datetime, optional
            Capture time (EXIF DateTimeOriginal), for the map's date range.
        source : str, optional
            File name, recorded for the report.
        rank : int, optional
            The frame's place among the group's frames by capture date (0: earliest),
            for the first date each subpixel stood out (``seen``).
        clipping : Clipping or bool
            Where the frame is too near clipping to be evidence; True (default): as for
            a developed photo of its bit depth (:meth:`Clipping.image`); False: nowhere.

        Returns
        -------
        Accumulator
            ``self``.
        """
        self._check(frame)
        self.srr = self.srr.astype(_srr_dtype(self.bits, self.n + 1), copy=False)
        frame = np.ascontiguousarray(frame)
        enc = NEVER_SEEN - rank if rank is not None and 0 <= rank < NEVER_SEEN else 0
        if clipping is True:
            clipping = Clipping.image(self.bits)
        boxes = stack_boxes([clipping.boxes(frame)]) if clipping else None
        thr = [frame_threshold(frame, self.table)]
        accumulate(self.state, frame[None], thr, encs=[enc], boxes=boxes, table=self.table)
        self.note(taken=taken, source=source)
        return self

    def merge(self, other: Accumulator) -> Accumulator:
        """A new accumulator holding the frames of both (exact, order-free): ``other``
        holds statistics of other frames of the same camera group."""
        if other.s1 is None:  # never saw a frame (a part that only saw repeats still counts)
            return self.copy()
        if self.s1 is None:
            return other.copy()
        if (self.shape, self.bits, self.black, self.white) != (
                other.shape, other.bits, other.black, other.white):
            msg = (f"cannot merge statistics of shape {self.shape} levels {self.black}..{self.white}"
                   f" and {other.shape} levels {other.black}..{other.white}")
            raise ParameterError(msg)
        if self.n + other.n > MAX_FRAMES:
            msg = f"more than {MAX_FRAMES} frames in one accumulator"
            raise ParameterError(msg)
        srr_type = np.result_type(self.srr.dtype, other.srr.dtype, _srr_dtype(self.bits, self.n + other.n))
        srr = self.srr.astype(srr_type) + other.srr.astype(srr_type)
        times = [t for t in (self.first_taken, self.last_taken, other.first_taken,
                             other.last_taken) if t is not None]  # fmt: skip
        return Accumulator(
            n=self.n + other.n, shape=self.shape, bits=self.bits,
            s1=self.s1 + other.s1, s2=self.s2 + other.s2, srr=srr, nexc=self.nexc + other.nexc,
            seen=np.maximum(self.seen, other.seen), last=np.maximum(self.last, other.last),
            first_taken=min(times) if times else None, last_taken=max(times) if times else None,
            sources=sorted(self.sources + other.sources), black=self.black, white=self.white,
            cfa=self.cfa or other.cfa,
        )  # fmt: skip

    def copy(self) -> Accumulator:
        """Deep copy."""
        arrays = {f: None if getattr(self, f) is None else getattr(self, f).copy()
                  for f in STATE_FIELDS}  # fmt: skip
        return Accumulator(self.n, self.shape, self.bits, **arrays, first_taken=self.first_taken,
                           last_taken=self.last_taken, sources=list(self.sources),
                           black=self.black, white=self.white, cfa=self.cfa)  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Accumulator):
            return NotImplemented
        if (self.n, self.shape, self.bits) != (other.n, other.shape, other.bits):
            return False
        return all(np.array_equal(getattr(self, f), getattr(other, f)) for f in STATE_FIELDS)

    __hash__ = None  # mutable

    def _rows(self, rows: slice | None) -> slice:
        return rows if rows is not None else slice(0, self.shape[0])

    def mean(self, rows: slice | None = None) -> np.ndarray:
        """Temporal mean per subpixel (float64), of all rows or of ``rows``."""
        return self.s1[self._rows(rows)] / max(self.n, 1)

    def variance(self, rows: slice | None = None) -> np.ndarray:
        """Temporal (population) variance per subpixel, computed once in float64."""
        rows = self._rows(rows)
        return kernels.variance(self.s1[rows], self.s2[rows], self.n, self.bits == 8)

    def residual_sum(self, rows: slice | None = None) -> np.ndarray:
        """Sum over the frames of the residual ``r`` (int64): the residual of ``s1``."""
        rows = self._rows(rows)
        y0, y1, _ = rows.indices(self.shape[0])
        return kernels.band_residual(self.s1, y0, y1, self.table).astype(np.int64, copy=False)

    def mean_residual(self, rows: slice | None = None) -> np.ndarray:
        """Mean excess over the 8-neighbour mean, in image levels (float64)."""
        return self.residual_sum(rows) / (8.0 * max(self.n, 1))

    def residual_variance(self, rows: slice | None = None) -> np.ndarray:
        """Temporal variance of the neighbour residual, in squared image levels."""
        n = max(self.n, 1)
        m = self.residual_sum(rows) / (8.0 * n)
        return np.maximum(self.srr[self._rows(rows)] / (8.0 * n) - m * m, 0.0)
