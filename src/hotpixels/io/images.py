"""Open photos with Pillow and turn them into frames (numpy arrays) with their metadata."""

from __future__ import annotations

import io
import stat
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from hotpixels.errors import ImageReadError
from hotpixels.io.metadata import CameraKey, FrameInfo, camera_identity, capture_time

__all__ = ["MAX_PIXELS", "Frame", "check_size", "complete_jpeg", "corrupt_error", "image_to_array",
           "open_image", "read_frame"]  # fmt: skip

#: Most pixels a header may claim (the largest camera sensors have about 150 MP).
MAX_PIXELS = 250_000_000

@dataclass
class Frame:
    """A decoded image: ``data`` has shape ``(M, N, C)`` (C = 1 or 3), uint8 or uint16."""

    data: np.ndarray
    info: FrameInfo


def corrupt_error(path: Path, err: BaseException, what: str = "corrupt or truncated image"):
    """The one-line :class:`ImageReadError` for a file a decoder rejected."""
    detail = str(err).rstrip(".") or type(err).__name__
    return ImageReadError(f"{path}: {what} ({detail})")


def open_image(path: str | Path, *, load: bool = True) -> Image.Image:
    """Open an image with Pillow and decode it fully, with one-line errors.

    Parameters
    ----------
    path : str or Path
        Image file.
    load : bool
        Decode the pixels (default); ``False`` reads the header only.

    Returns
    -------
    PIL.Image.Image
        The opened image (pixels decoded when ``load``).

    Raises
    ------
    ImageReadError
        If the file is missing, empty, not an image, or truncated.
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError as err:
        msg = f"{path}: cannot read ({err.strerror or err})"
        raise ImageReadError(msg) from err
    if not stat.S_ISREG(st.st_mode):
        msg = f"{path}: not a regular file"
        raise ImageReadError(msg)
    if st.st_size == 0:
        msg = f"{path}: empty file (0 bytes)"
        raise ImageReadError(msg)
    try:
        with warnings.catch_warnings():  # Pillow's warnings (corrupt EXIF, bombs) are ours to say
            warnings.simplefilter("ignore")
            image = Image.open(path)
            check_size(path, *image.size)
            if load:
                image.load()
    except ImageReadError:
        raise
    except UnidentifiedImageError as err:
        msg = f"{path}: not an image file Pillow can read"
        raise ImageReadError(msg) from err
    except Image.DecompressionBombError as err:
        msg = f"{path}: claims more pixels than any camera makes (a decompression bomb?)"
        raise ImageReadError(msg) from err
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as err:
        mended = _mended_image(path) if load else None
        if mended is not None:
            return mended
        what = "corrupt or truncated image" if load else "corrupt image header"
        raise corrupt_error(path, err, what) from err
    return image


_EOI = b"\xff\xd9"


def complete_jpeg(data: bytes) -> bytes | None:
    """A JPEG's bytes with the end-of-image marker it lacks, when that is its only fault.

    Many files lose just their last two bytes, and every decoder shows them. The marker
    is added only if libjpeg-turbo, strict (simplejpeg), then decodes the file without a
    warning: a file cut short inside its data is refused. Returns ``data`` when it needs
    nothing, None when it cannot be mended (or simplejpeg is not installed to check).
    """
    if data[:2] != b"\xff\xd8" or data.rstrip(b"\x00")[-2:] == _EOI:
        return data
    try:
        import simplejpeg
    except ImportError:
        return None
    mended = data + _EOI
    try:
        simplejpeg.decode_jpeg(mended)
    except (ValueError, OSError):
        return None
    return mended


def _mended_image(path: Path) -> Image.Image | None:
    """The JPEG ``path`` opened from its mended bytes, if :func:`complete_jpeg` mends it."""
    data = path.read_bytes()
    mended = complete_jpeg(data)
    if mended is None or mended is data:
        return None
    image = Image.open(io.BytesIO(mended))
    image.load()
    return image


def check_size(path: Path, width: int, height: int) -> None:
    """Refuse a header that claims a size no photo has: below 2x2 or above :data:`MAX_PIXELS`
    (checked before anything is allocated for the file)."""
    if width < 2 or height < 2:
        msg = f"{path}: {width}x{height} pixels; a photo to analyse or repair has at least 2x2"
        raise ImageReadError(msg)
    if width * height > MAX_PIXELS:
        msg = (f"{path}: its header claims {width}x{height} pixels, more than the "
               f"{MAX_PIXELS // 10**6} MP any camera makes; skipped (corrupt or hostile)")  # fmt: skip
        raise ImageReadError(msg)


def image_to_array(image: Image.Image, path: str | Path | None = None) -> np.ndarray:
    """Pixel data for analysis: ``(M, N, C)``, C = 1 (grey) or 3 (colour), alpha dropped.

    Parameters
    ----------
    image : PIL.Image.Image
        Any mode Pillow reads (L, LA, RGB, RGBA, P, I;16, I, CMYK, YCbCr, ...).
    path : str or Path, optional
        The file it came from, named in errors.

    Returns
    -------
    ndarray
        uint8, or uint16 for 16-bit images.
    """
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        arr = np.asarray(image, dtype=np.uint16)
    elif mode == "I":
        arr = np.asarray(image)
        if arr.min() < 0 or arr.max() > 65535:
            msg = "32-bit integer images with values outside 0..65535 are not supported"
            raise ImageReadError(f"{path}: {msg}" if path is not None else msg)
        arr = arr.astype(np.uint16)
    elif mode in ("L", "LA", "1"):
        arr = np.asarray(image.convert("L"))
    else:
        arr = np.asarray(image.convert("RGB"))
    if arr.ndim == 2:
        arr = arr[..., None]
    return arr


def read_frame(path: str | Path) -> Frame:
    """Read one image file as a frame for analysis.

    Parameters
    ----------
    path : str or Path
        Image file (JPEG, PNG, TIFF, anything Pillow reads).

    Returns
    -------
    Frame
        Pixel array (stored orientation, i.e. the sensor's frame) and metadata.

    Raises
    ------
    ImageReadError
        With a one-line message naming the file.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from PIL import Image
    >>> p = tempfile.mktemp(suffix=".png")
    >>> Image.fromarray(np.zeros((4, 6, 3), np.uint8)).save(p)
    >>> read_frame(p).data.shape
    (4, 6, 3)
    """
    path = Path(path)
    with open_image(path) as image:
        data = image_to_array(image, path)
        make, model, serial = camera_identity(image)
        h, w, c = data.shape
        key = CameraKey(make, model, serial, w, h, c)
        return Frame(data, FrameInfo(path, key, capture_time(image), image.mode))
