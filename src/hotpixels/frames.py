"""What a camera group's frames are, decided once: developed photos or RAW mosaics.

Every stage that behaves differently for the two asks one :class:`FrameStrategy`,
chosen from the group's :class:`FrameKind` when the files are probed, instead of
testing strings: the shape that is analysed (RAW mosaics as four colour planes), how
a statistics position maps to the map's coordinates and back, whether one defect is
smeared over neighbours (demosaicing, JPEG) or sits on one photosite, the levels that
separate the kinds, how exactly an evaluation matches, and how a repaired file is
written.

Examples
--------
>>> s = strategy_for("raw")
>>> s.kind, s.analysed_shape(8, 6, 1), s.position(1, 2, 3)
(<FrameKind.RAW: 'raw'>, (3, 4, 4), (5, 3))
>>> strategy_for(FrameKind.IMAGE).subpixel(5, 3, "G", "")
(3, 5, 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from hotpixels.errors import ParameterError
from hotpixels.kernels.clipping import Clipping
from hotpixels.mosaic import period_of, photosite, plane_of

__all__ = ["IMAGE", "RAW", "FrameKind", "FrameStrategy", "RawFrame", "srgb_decode", "strategy_for"]

_CHANNELS = {1: ("L",), 3: ("R", "G", "B")}


class FrameKind(str, Enum):
    """The coordinate frame of a camera group and of its map."""

    IMAGE = "image"  # developed photos: pixels as stored
    RAW = "raw"  # RAW mosaics: photosites of the visible area

    def __str__(self) -> str:
        return self.value


def srgb_decode(value: float) -> float:
    """An sRGB-encoded value in 0..1 -> linear light (the sRGB transfer curve).

    Examples
    --------
    >>> srgb_decode(1.0), round(srgb_decode(0.02), 5)
    (1.0, 0.00155)
    """
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


@dataclass(frozen=True)
class FrameStrategy:
    """How one kind of frame is analysed, decided and repaired (:data:`IMAGE`, :data:`RAW`).

    Attributes
    ----------
    kind : FrameKind
    files : str
        What the files of this frame are called in messages.
    smeared : bool
        One defect disturbs a few pixels of all colours (clusters are merged);
        otherwise every photosite above the line is a defect of its own.
    match_radius : int
        Distance within which an evaluation matches a found defect to a true one.
    dead_mean, hot_excess : float
        Level (fraction of full scale) at or below which a subpixel that ignores the
        scene is dead, and the excess in linear light (:meth:`linear`) from which one
        that follows it is hot rather than warm: of the photosite itself in a RAW
        mosaic; in a developed photo, of the photosite as its smear adds up
        (:func:`hotpixels.detect.kinds.photosite_excess`).
    fork_safe : bool
        Its decoder may run in forked workers.
    repaired_suffix : str
        File ending of a repaired copy ('' keeps the input's).
    """

    kind: FrameKind
    files: str
    smeared: bool
    match_radius: int
    dead_mean: float
    hot_excess: float
    fork_safe: bool
    repaired_suffix: str

    def analysed_shape(self, width: int, height: int, channels: int) -> tuple[int, int, int]:
        """Shape of the decoded frame the statistics hold, ``(M, N, C)``."""
        return (height, width, channels)

    def map_size(self, shape: tuple[int, ...]) -> tuple[int, int]:
        """``(width, height)`` of the map's frame for statistics of ``shape``."""
        return shape[1], shape[0]

    def channel_names(self, channels: int, cfa: str = "") -> tuple[str, ...]:
        """Names of the analysed channels (R, G, B; L; a RAW pattern's letters)."""
        return _CHANNELS.get(channels, tuple(str(i) for i in range(channels)))

    def subpixel(self, x: int, y: int, channel: str, cfa: str = "") -> tuple[int, int, int]:
        """Where the map's ``(x, y)`` in ``channel`` sits in the statistics: ``(row,
        column, channel index)``."""
        names = next((n for n in _CHANNELS.values() if channel in n), ())
        return y, x, names.index(channel) if names else int(channel or 0)

    def position(self, row: int, col: int, k: int, channels: int = 3) -> tuple[int, int]:
        """The map's ``(x, y)`` of statistics position ``(row, col)``, channel ``k`` of
        ``channels``."""
        return col, row

    def clipping(self, bits: int, levels: tuple[int, int] | None = None) -> Clipping:
        """Where this kind of frame is too near clipping to be evidence."""
        return Clipping.image(bits)

    def linear(self, value: float) -> float:
        """A value (fraction of full scale) in linear light: photos are taken as sRGB
        encoded (the usual tone curve; a camera's own is near it).

        Examples
        --------
        >>> round(IMAGE.linear(0.5), 3), RAW.linear(0.5)
        (0.214, 0.5)
        """
        return srgb_decode(min(max(value, 0.0), 1.0))


@dataclass(frozen=True)
class RawFrame(FrameStrategy):
    """RAW mosaics: a colour filter tile of ``p x p`` split into ``p * p`` planes (2x2
    Bayer: 4, 6x6 X-Trans: 36), so that a photosite's 8 neighbours are photosites of its
    colour one tile away (:func:`hotpixels.mosaic.to_planes`)."""

    @staticmethod
    def _period(channels: int) -> int:
        return 6 if channels == 36 else 2

    def analysed_shape(self, width: int, height: int, channels: int) -> tuple[int, int, int]:
        p = self._period(channels)
        return (height // p, width // p, p * p)

    def map_size(self, shape: tuple[int, ...]) -> tuple[int, int]:
        p = self._period(shape[2])
        return p * shape[1], p * shape[0]

    def channel_names(self, channels: int, cfa: str = "") -> tuple[str, ...]:
        return tuple(cfa) if len(cfa) == channels else super().channel_names(channels)

    def subpixel(self, x: int, y: int, channel: str, cfa: str = "") -> tuple[int, int, int]:
        return plane_of(x, y, period_of(cfa))

    def position(self, row: int, col: int, k: int, channels: int = 4) -> tuple[int, int]:
        return photosite(row, col, k, self._period(channels))

    def clipping(self, bits: int, levels: tuple[int, int] | None = None) -> Clipping:
        return Clipping.raw(levels[1] if levels else 65535)

    def linear(self, value: float) -> float:
        return value


#: Developed photos (JPEG, PNG, TIFF): pixels as stored, one defect smeared over a few.
#: A demosaic and a JPEG smear the scene into a defect's pixel, so a dead one reads up to
#: 0.1; the smear also shrinks a hot offset, which stays above 0.07 in linear light.
IMAGE = FrameStrategy(FrameKind.IMAGE, files="developed photos", smeared=True, match_radius=2,
                      dead_mean=0.1, hot_excess=0.21, fork_safe=True, repaired_suffix="")  # fmt: skip
#: RAW mosaics. Values are linear and unsmeared: a dead photosite reads black (within
#: 0.005 of full scale; one stuck at 15 % of a developed photo reads 0.01) and a warm
#: offset stays below 0.25. LibRaw is not fork-safe; a repaired RAW file is developed
#: to a 16-bit TIFF.
RAW = RawFrame(FrameKind.RAW, files="RAW files", smeared=False, match_radius=0, dead_mean=0.005,
               hot_excess=0.25, fork_safe=False, repaired_suffix=".tif")  # fmt: skip
_STRATEGIES = {FrameKind.IMAGE: IMAGE, FrameKind.RAW: RAW}


def strategy_for(kind: FrameKind | str) -> FrameStrategy:
    """The strategy of a frame kind (``"image"`` or ``"raw"``).

    Raises
    ------
    ParameterError
        For any other value.
    """
    try:
        return _STRATEGIES[FrameKind(kind)]
    except ValueError as err:
        msg = f"frame must be 'image' or 'raw', got {kind!r}"
        raise ParameterError(msg) from err
