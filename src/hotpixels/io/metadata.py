"""Camera identity, capture time and JPEG encoding parameters from image metadata."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

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
        Number of channels analysed (1 or 3; 4 for a RAW mosaic's colour planes).
    frame : {"image", "raw"}
        Developed images, or RAW mosaics (coordinates in the RAW visible area).
    cfa : str
        A RAW mosaic's 2x2 colour pattern, e.g. ``"RGGB"`` ('' for images).
    """

    make: str
    model: str
    serial: str
    width: int
    height: int
    channels: int
    frame: str = "image"
    cfa: str = ""

    def label(self) -> str:
        """Human-readable name, e.g. ``"Nikon D80 3872x2592"`` or ``"... RAW RGGB"``."""
        name = " ".join(p for p in (self.make, self.model, self.serial) if p) or "unknown camera"
        kind = f" RAW {self.cfa}" if self.frame == "raw" else ""
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


def camera_identity(image: Image.Image) -> tuple[str, str, str]:
    """Return EXIF ``(make, model, serial)`` of an open image, empty strings if absent."""
    try:
        exif = image.getexif()
    except (OSError, ValueError, SyntaxError):
        return "", "", ""
    serial = _text(exif.get_ifd(_EXIF_IFD).get(_BODY_SERIAL))
    return _text(exif.get(_MAKE)), _text(exif.get(_MODEL)), serial


def capture_time(image: Image.Image) -> _dt.datetime | None:
    """Return EXIF DateTimeOriginal (or DateTime) of an open image, or None."""
    try:
        exif = image.getexif()
        raw = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    except (OSError, ValueError, SyntaxError):
        return None
    try:
        return _dt.datetime.strptime(_text(raw), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _ijg_table_sum(quality: int) -> int:
    """Sum of the standard (IJG) luminance table scaled for ``quality``."""
    base = (
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    )  # fmt: skip
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return sum(min(max((b * scale + 50) // 100, 1), 255) for b in base)


def estimate_jpeg_quality(image: Image.Image) -> int | None:
    """Estimate the IJG quality (1-100) of a JPEG from its luminance quantisation table.

    Parameters
    ----------
    image : PIL.Image.Image
        An image opened from a JPEG file.

    Returns
    -------
    int or None
        The quality whose standard table is closest, or None if not a JPEG.
    """
    tables = getattr(image, "quantization", None)
    if not tables:
        return None
    total = sum(tables[min(tables)])
    return min(range(1, 101), key=lambda q: (abs(_ijg_table_sum(q) - total), -q))


def jpeg_subsampling(image: Image.Image) -> int | None:
    """Pillow's subsampling code of a JPEG (0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0), or None."""
    if image.format != "JPEG":
        return None
    from PIL import JpegImagePlugin

    value = JpegImagePlugin.get_sampling(image)
    return None if value < 0 else value
