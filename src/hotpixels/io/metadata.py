"""Camera identity and capture time from image metadata, and the camera group key."""

from __future__ import annotations

import datetime as _dt
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from hotpixels.frames import FrameKind

__all__ = ["CameraKey", "FrameInfo", "camera_identity", "capture_time"]

_MAKE, _MODEL, _DATETIME = 0x010F, 0x0110, 0x0132
_EXIF_IFD, _DATETIME_ORIGINAL, _BODY_SERIAL = 0x8769, 0x9003, 0xA431


@dataclass(frozen=True, order=True)
class CameraKey:
    """One camera group: frames from one body with one geometry.

    Attributes
    ----------
    make, model, serial : str
        EXIF Make, Model and BodySerialNumber (empty when absent).
    width, height : int
        Stored image size in pixels.
    channels : int
        Number of channels analysed (1 or 3; a RAW mosaic's planes: 4 for Bayer, 36
        for X-Trans).
    frame : FrameKind
        Developed images, or RAW mosaics (coordinates in the RAW visible area).
    cfa : str
        A RAW mosaic's colour pattern in reading order, e.g. ``"RGGB"`` (36 letters
        for a 6x6 X-Trans tile; '' for images).
    """

    make: str
    model: str
    serial: str
    width: int
    height: int
    channels: int
    frame: FrameKind = FrameKind.IMAGE
    cfa: str = ""

    def label(self) -> str:
        """Human-readable name, e.g. ``"Nikon D80 3872x2592"``, ``"... RAW RGGB"`` or
        ``"... RAW X-Trans"``."""
        name = " ".join(p for p in (self.make, self.model, self.serial) if p) or "unknown camera"
        pattern = "X-Trans" if len(self.cfa) == 36 else self.cfa
        kind = f" RAW {pattern}" if self.cfa else ""
        return f"{name} {self.width}x{self.height}{kind}"


@dataclass(frozen=True)
class FrameInfo:
    """Metadata of one decoded frame."""

    path: Path
    camera: CameraKey
    taken: _dt.datetime | None
    mode: str


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).strip().strip("\x00").strip() if value is not None else ""


def _exif(image: Image.Image):
    """The image's EXIF, or None when it is unreadable (Pillow's warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return image.getexif()
        except Exception:  # corrupt EXIF of any kind
            return None


def camera_identity(image: Image.Image) -> tuple[str, str, str]:
    """Return EXIF ``(make, model, serial)`` of an open image, empty strings if absent."""
    exif = _exif(image)
    if exif is None:
        return "", "", ""
    try:
        serial = _text(exif.get_ifd(_EXIF_IFD).get(_BODY_SERIAL))
        return _text(exif.get(_MAKE)), _text(exif.get(_MODEL)), serial
    except Exception:  # hostile EXIF: no identity rather than no photo
        return "", "", ""


def capture_time(image: Image.Image) -> _dt.datetime | None:
    """Return EXIF DateTimeOriginal (or DateTime) of an open image, or None."""
    exif = _exif(image)
    try:
        raw = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    except Exception:  # no EXIF, or EXIF Pillow cannot parse
        return None
    try:
        return _dt.datetime.strptime(_text(raw), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
