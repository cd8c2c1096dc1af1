"""Fast paths for the scan: read a file's header without decoding, decode into a buffer.

:func:`probe` reads only the header (size, mode, EXIF camera and time), so that files can
be grouped by camera before any pixel is decoded. :func:`decode` then decodes the
pixels with the fastest decoder installed: simplejpeg (libjpeg-turbo, ``pip install
"hotpixels[fast]"``) for RGB and greyscale JPEG, Pillow for everything else. Both run
libjpeg-turbo with the same (accurate) DCT and upsampling, so they give identical pixels
(a test checks), and the defect map does not depend on which one ran.
"""

from __future__ import annotations

import datetime as _dt
import importlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from hotpixels.errors import ImageReadError
from hotpixels.frames import FrameKind, FrameStrategy, strategy_for
from hotpixels.io.discover import file_kind
from hotpixels.io.images import complete_jpeg, corrupt_error, image_to_array, open_image
from hotpixels.io.metadata import CameraKey, camera_identity, capture_time
from hotpixels.io.raw import raw_header, raw_levels, read_planes

__all__ = ["DECODERS", "FileInfo", "decode", "decoder_name", "probe"]

#: Decoders in order of preference for JPEG.
DECODERS = ("simplejpeg", "pillow")

_SIXTEEN = {"I;16", "I;16B", "I;16L", "I;16N", "I"}
_GREY = {"L", "LA", "1"}


@dataclass(frozen=True)
class FileInfo:
    """What a file's header says: camera group, pixel layout, capture time."""

    path: Path
    key: CameraKey
    bits: int
    mode: str
    format: str
    taken: _dt.datetime | None
    levels: tuple[int, int] | None = None  # RAW: black and white level
    rank: int | None = None  # place in its group by capture date (None: no date)
    turn: int = 0  # quarter turns clockwise from the sensor's frame to the stored pixels

    @property
    def strategy(self) -> FrameStrategy:
        """How frames of this kind are analysed (:mod:`hotpixels.frames`)."""
        return strategy_for(self.key.frame)

    @property
    def shape(self) -> tuple[int, int, int]:
        """Shape of the decoded frame, ``(M, N, C)``, in the sensor's frame; a RAW mosaic's
        colour planes."""
        w, h = (self.key.height, self.key.width) if self.turn else (self.key.width, self.key.height)
        return self.strategy.analysed_shape(w, h, self.key.channels)


def probe(path: str | Path, known: dict | None = None) -> FileInfo:
    """Read a file's header (no pixel decoding).

    Parameters
    ----------
    path : str or Path
    known : dict, optional
        RAW files: colour patterns and levels already read, by camera and size; filled
        in here. A scan passes one dict, so that only the first RAW file of each camera
        is unpacked to learn them (:func:`decode` checks every file's pattern).

    Returns
    -------
    FileInfo

    Raises
    ------
    ImageReadError
        One line naming the file, when it is missing, empty or not an image.
    """
    path = Path(path)
    if file_kind(path) is FrameKind.RAW:
        known = {} if known is None else known
        head = raw_header(path)
        camera = (head["make"], head["model"], head["serial"], head["width"], head["height"])
        if camera not in known:
            known[camera] = raw_levels(path)
        cfa, black, white = known[camera]
        key = CameraKey(*camera, len(cfa), FrameKind.RAW, cfa)  # 4 planes (Bayer) or 36 (X-Trans)
        return FileInfo(path, key, 16, "RAW", "RAW", head["taken"] or _file_time(path), (black, white))
    with open_image(path, load=False) as image:
        mode, fmt = image.mode, image.format or ""
        w, h = image.size
        make, model, serial = camera_identity(image)
        taken = capture_time(image)
    channels, bits = (1, 16) if mode in _SIXTEEN else (1, 8) if mode in _GREY else (3, 8)
    key = CameraKey(make, model, serial, w, h, channels)
    return FileInfo(path, key, bits, mode, fmt, taken or _file_time(path))


def _file_time(path: Path) -> _dt.datetime | None:
    """The file's modification time (local, to the second): the capture time of a photo
    whose metadata has none."""
    try:
        return _dt.datetime.fromtimestamp(int(path.stat().st_mtime))
    except (OSError, ValueError, OverflowError):
        return None


def _simplejpeg():
    try:
        return importlib.import_module("simplejpeg")
    except ImportError:
        return None


def decoder_name(info: FileInfo | None = None, *, prefer: str | None = None) -> str:
    """The decoder :func:`decode` uses for a file (``"simplejpeg"``, ``"pillow"``, ``"rawpy"``)."""
    if info is not None and info.key.frame is FrameKind.RAW:
        return "rawpy"
    if prefer == "pillow":
        return "pillow"
    jpeg_ok = info is None or (info.format == "JPEG" and info.mode in ("RGB", "L"))
    if jpeg_ok and _simplejpeg() is not None:
        return "simplejpeg"
    return "pillow"


def decode(info: FileInfo, out: np.ndarray | None = None, *, prefer: str | None = None) -> np.ndarray:
    """Decode a probed file's pixels, ``(M, N, C)`` uint8 or uint16.

    Parameters
    ----------
    info : FileInfo
        From :func:`probe`.
    out : ndarray, optional
        C-contiguous array of the frame's shape and dtype to decode into.
    prefer : {"simplejpeg", "pillow"}, optional
        Force a decoder (tests and benchmarks); default the fastest installed.

    Returns
    -------
    ndarray
        ``out`` when given, else a new array; a file stored turned (``info.turn``) is
        turned back to the sensor's frame.

    Raises
    ------
    ImageReadError
        When the file is corrupt or truncated or its pixels do not match its header.
    """
    if info.turn:
        frame = np.rot90(decode(replace(info, turn=0), prefer=prefer), k=info.turn)
        if out is None:
            return np.ascontiguousarray(frame)
        out[...] = frame
        return out
    path = info.path
    if info.key.frame is FrameKind.RAW:
        planes, cfa, (h, w) = read_planes(path, out)
        if (h, w) != (info.key.height, info.key.width) or cfa != info.key.cfa:
            msg = (f"{path}: RAW mosaic {w}x{h} {cfa} differs from its header "
                   f"({info.key.width}x{info.key.height} {info.key.cfa})")  # fmt: skip
            raise ImageReadError(msg)
        return planes
    if decoder_name(info, prefer=prefer) == "simplejpeg":
        sj = _simplejpeg()
        try:
            data = complete_jpeg(path.read_bytes()) or b""
            frame = sj.decode_jpeg(data, colorspace="GRAY" if info.mode == "L" else "RGB",
                                   buffer=out)  # fmt: skip
        except (OSError, ValueError) as err:
            raise corrupt_error(path, err) from err
        if frame.ndim == 2:
            frame = frame[..., None]
    else:
        with open_image(path) as image:
            frame = image_to_array(image, path)
        if out is not None and frame.shape == out.shape:
            out[...] = frame
            frame = out
    if frame.shape != info.shape:
        msg = f"{path}: decoded size {frame.shape} differs from its header {info.shape}"
        raise ImageReadError(msg)
    return frame
