"""Streaming per-subpixel statistics: exact, mergeable, bounded memory.

For every subpixel (one channel of one pixel) the accumulator keeps integer sums over
the frames it has seen:

``s1``
    sum of values, ``s2`` sum of squared values (temporal mean and variance);
``sr``
    sum of the *neighbour residual* ``r = 8 v - (sum of the 8 same-channel neighbours)``
    (how much brighter than its surroundings the subpixel is, on average);
``srr``
    sum of ``floor(r^2 / 8)``: with ``sr`` the temporal variance of the residual. A
    normal subpixel follows its neighbours (small, changing residual); a defect departs
    from them consistently (``hot``, ``warm``, ``dead``: a large mean) or ignores them
    (``stuck``: a residual that varies as much as the scene does);
``nexc``
    net count of frames that showed the subpixel as a defect: +1 for a frame where
    ``r`` is above the frame's noise threshold (3 robust standard deviations of ``r``
    over the frame, at least 4 levels), -1 where it is below minus that threshold.

All sums are integers, so :meth:`Accumulator.merge` is plain addition: the result is
the same for any order of frames and any split between workers. For 8-bit frames the
state is 18 bytes per subpixel (four uint32 sums and an int16 count; ``srr`` widens
to uint64 once the frame count could overflow it); 16-bit frames use 64-bit sums.
Only one decoded frame is held at a time.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np

from hotpixels.errors import ParameterError

__all__ = ["Accumulator", "neighbour_residual"]

_FIELDS = ("s1", "s2", "sr", "srr", "nexc")
#: Largest ``floor(r^2 / 8)`` one 8-bit frame can add (``|r| <= 8 * 255``).
_SRR_STEP_8BIT = (8 * 255) ** 2 // 8
_MAX_FRAMES = 32767


def _box3(a: np.ndarray) -> np.ndarray:
    """Sum over each 3x3 neighbourhood (mirrored edges) of a ``(M, N, C)`` array."""
    p = np.pad(a, ((1, 1), (1, 1), (0, 0)), mode="reflect")
    rows = p[:-2] + p[1:-1] + p[2:]
    return rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:]


def neighbour_residual(frame: np.ndarray) -> np.ndarray:
    """Integer residual ``8 v - sum(8 neighbours)`` per subpixel, same channel.

    Parameters
    ----------
    frame : (M, N, C) ndarray of uint8 or uint16

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
    wide = np.int32 if frame.dtype.itemsize == 1 else np.int64
    v = frame.astype(wide)
    return 9 * v - _box3(v)


def _srr_dtype(bits: int, n: int) -> type:
    """uint32 while ``n`` 8-bit frames cannot overflow it, else uint64."""
    return np.uint32 if bits == 8 and n * _SRR_STEP_8BIT < 2**32 else np.uint64


def frame_threshold(r: np.ndarray) -> float:
    """Noise threshold of one frame's residual: 3 robust sigmas, at least 4 levels.

    Parameters
    ----------
    r : ndarray
        Residual of one frame (:func:`neighbour_residual`, units of 1/8 level).

    Returns
    -------
    float
        Threshold in the units of ``r``.
    """
    sample = np.abs(r[::4, ::4]).ravel()
    mad = float(np.median(sample)) if sample.size else 0.0
    return max(3.0 * 1.4826 * mad, 32.0)


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
    >>> for f in frames[:2]: a.update(f)
    >>> for f in frames[2:]: b.update(f)
    >>> for f in frames: whole.update(f)
    >>> a.merge(b) == whole
    True
    """

    n: int = 0
    shape: tuple[int, ...] | None = None
    bits: int = 8
    s1: np.ndarray | None = None
    s2: np.ndarray | None = None
    sr: np.ndarray | None = None
    srr: np.ndarray | None = None
    nexc: np.ndarray | None = None
    first_taken: _dt.datetime | None = None
    last_taken: _dt.datetime | None = None
    sources: list[str] = field(default_factory=list)

    def _allocate(self, frame: np.ndarray) -> None:
        self.shape = frame.shape
        self.bits = 8 if frame.dtype == np.uint8 else 16
        s = frame.shape
        wide = self.bits > 8
        self.s1 = np.zeros(s, np.uint64 if wide else np.uint32)
        self.s2 = np.zeros(s, np.uint64 if wide else np.uint32)
        self.sr = np.zeros(s, np.int64 if wide else np.int32)
        self.srr = np.zeros(s, np.uint64 if wide else np.uint32)
        self.nexc = np.zeros(s, np.int16)

    @property
    def nbytes(self) -> int:
        """Bytes of per-subpixel state."""
        return sum(getattr(self, f).nbytes for f in _FIELDS if getattr(self, f) is not None)

    def update(self, frame: np.ndarray, *, taken: _dt.datetime | None = None, source=None):
        """Add one frame.

        Parameters
        ----------
        frame : (M, N, C) ndarray of uint8 or uint16
            One decoded image of this camera group.
        taken : datetime, optional
            Capture time (EXIF DateTimeOriginal), for the map's date range.
        source : str, optional
            File name, recorded for the report.

        Returns
        -------
        Accumulator
            ``self``.
        """
        if frame.ndim != 3 or frame.dtype not in (np.uint8, np.uint16):
            msg = f"frame must be (M, N, C) uint8 or uint16, got {frame.shape} {frame.dtype}"
            raise ParameterError(msg)
        if self.shape is None:
            self._allocate(frame)
        elif frame.shape != self.shape or (frame.dtype == np.uint8) != (self.bits == 8):
            msg = f"frame {frame.shape} {frame.dtype} does not match the group's {self.shape}"
            raise ParameterError(msg)
        if self.n >= _MAX_FRAMES:
            msg = f"more than {_MAX_FRAMES} frames in one accumulator; split the input"
            raise ParameterError(msg)
        wide = np.uint64 if self.bits > 8 else np.uint32
        v = frame.astype(wide)
        self.s1 += v
        v *= v
        self.s2 += v
        del v
        r = neighbour_residual(frame)
        self.sr += r
        thr = frame_threshold(r)
        self.nexc += r > thr
        self.nexc -= r < -thr
        r *= r
        r >>= 3
        self.srr = self.srr.astype(_srr_dtype(self.bits, self.n + 1), copy=False)
        self.srr += r.astype(self.srr.dtype, copy=False)
        self.n += 1
        if taken is not None:
            self.first_taken = min(filter(None, (self.first_taken, taken)))
            self.last_taken = max(filter(None, (self.last_taken, taken)))
        if source is not None:
            self.sources.append(str(source))
        return self

    def merge(self, other: Accumulator) -> Accumulator:
        """Return a new accumulator holding the frames of both (exact, order-free).

        Parameters
        ----------
        other : Accumulator
            Statistics of other frames of the same camera group.

        Returns
        -------
        Accumulator
        """
        if other.n == 0:
            return self.copy()
        if self.n == 0:
            return other.copy()
        if self.shape != other.shape or self.bits != other.bits:
            msg = f"cannot merge statistics of shape {self.shape} and {other.shape}"
            raise ParameterError(msg)
        if self.n + other.n > _MAX_FRAMES:
            msg = f"more than {_MAX_FRAMES} frames in one accumulator"
            raise ParameterError(msg)
        srr_type = _srr_dtype(self.bits, self.n + other.n)
        srr = self.srr.astype(srr_type) + other.srr.astype(srr_type)
        times = [t for t in (self.first_taken, self.last_taken, other.first_taken,
                             other.last_taken) if t is not None]  # fmt: skip
        return Accumulator(
            n=self.n + other.n,
            shape=self.shape,
            bits=self.bits,
            s1=self.s1 + other.s1,
            s2=self.s2 + other.s2,
            sr=self.sr + other.sr,
            srr=srr,
            nexc=self.nexc + other.nexc,
            first_taken=min(times) if times else None,
            last_taken=max(times) if times else None,
            sources=sorted(self.sources + other.sources),
        )

    def copy(self) -> Accumulator:
        """Deep copy."""
        arrays = {f: None if getattr(self, f) is None else getattr(self, f).copy()
                  for f in _FIELDS}  # fmt: skip
        return Accumulator(self.n, self.shape, self.bits, **arrays, first_taken=self.first_taken,
                           last_taken=self.last_taken, sources=list(self.sources))  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Accumulator):
            return NotImplemented
        if (self.n, self.shape, self.bits) != (other.n, other.shape, other.bits):
            return False
        return all(np.array_equal(getattr(self, f), getattr(other, f)) for f in _FIELDS)

    __hash__ = None  # mutable

    def mean(self) -> np.ndarray:
        """Temporal mean per subpixel (float64)."""
        return self.s1 / max(self.n, 1)

    def variance(self) -> np.ndarray:
        """Temporal (population) variance per subpixel, computed once in float64."""
        n = max(self.n, 1)
        if self.bits == 8:  # exact in int64: n * s2 - s1^2 < 2^63 for < 66000 frames
            s1 = self.s1.astype(np.int64)
            return (n * self.s2.astype(np.int64) - s1 * s1) / float(n * n)
        m = self.s1 / n
        return np.maximum(self.s2 / n - m * m, 0.0)

    def mean_residual(self) -> np.ndarray:
        """Mean excess over the 8-neighbour mean, in image levels (float64)."""
        return self.sr / (8.0 * max(self.n, 1))

    def residual_variance(self) -> np.ndarray:
        """Temporal variance of the neighbour residual, in squared image levels."""
        n = max(self.n, 1)
        m = self.sr / (8.0 * n)
        return np.maximum(self.srr / (8.0 * n) - m * m, 0.0)
