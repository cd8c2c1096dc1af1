"""Camera RAW files through rawpy (LibRaw): header, levels, mosaic, developing.

A RAW frame is the sensor's mosaic in the *visible* area (``raw_image_visible``), one
value per photosite. For the statistics it is split into the positions of its colour
filter tile (:func:`hotpixels.mosaic.to_planes`: four for a 2x2 Bayer tile, 36 for a
6x6 X-Trans one), so that the 8 neighbours of a photosite in its plane are photosites
of its colour one tile away in the mosaic. Other patterns and sensors without a colour
filter mosaic (Foveon, linear DNG) are refused with a message.

rawpy is the ``raw`` extra and is imported only when a RAW file is met; tifffile (also
in ``raw``) reads the camera's Make and Model from TIFF-based RAW formats (DNG, CR2, NEF,
ARW, ORF, RW2, PEF, ...).
"""

from __future__ import annotations

import datetime as _dt
import importlib
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from hotpixels.errors import HotPixelsError, ImageReadError, require
from hotpixels.io.images import check_size
from hotpixels.mosaic import period_of, to_planes

__all__ = ["develop", "raw_header", "raw_levels", "read_mosaic", "read_planes"]

_MAKE, _MODEL, _DATETIME, _EXIF_IFD, _DNG_SERIAL = 271, 272, 306, 34665, 50735
_DATETIME_ORIGINAL = 36867


def _rawpy():
    return require("rawpy", "raw", "reading camera RAW files")


def _libraw_errors(rawpy) -> tuple[type[BaseException], ...]:
    return (rawpy.LibRawError, OSError, ValueError)


def _cfa_of(raw, path: Path) -> str:
    """The colour pattern as letters in reading order: ``"RGGB"`` for a 2x2 Bayer tile,
    36 letters for a 6x6 X-Trans one."""
    pattern = raw.raw_pattern
    desc = raw.color_desc.decode("ascii", "replace")
    if pattern is None:
        msg = f"{path}: not a colour filter mosaic (no CFA pattern); this RAW cannot be analysed"
        raise ImageReadError(msg)
    pattern = np.asarray(pattern)
    if pattern.shape not in ((2, 2), (6, 6)):
        msg = (f"{path}: {pattern.shape[0]}x{pattern.shape[1]} colour filter pattern; only 2x2 Bayer "
               "(RGGB, BGGR, GRBG, GBRG) and 6x6 X-Trans mosaics are supported")  # fmt: skip
        raise ImageReadError(msg)
    letters = "".join(desc[int(i)] if int(i) < len(desc) else "?" for i in pattern.ravel())
    # LibRaw names the second green G too (colour index 3 in "RGBG").
    bayer = pattern.shape == (2, 2) and sorted(letters) == ["B", "G", "G", "R"]
    xtrans = pattern.shape == (6, 6) and set(letters) == {"R", "G", "B"}
    if not (bayer or xtrans):
        msg = f"{path}: colour filter pattern {letters!r} is not an RGB mosaic"
        raise ImageReadError(msg)
    return letters


def _tiff_identity(path: Path) -> tuple[str, str, str, _dt.datetime | None]:
    """Make, Model, serial and capture time from a TIFF-based RAW's tags ('' / None
    when unknown, e.g. CR3 and RAF, which are not TIFF)."""
    try:
        tifffile = importlib.import_module("tifffile")
        with tifffile.TiffFile(path) as tif:
            tags = tif.pages[0].tags
            exif = tags.get(_EXIF_IFD)
            exif = exif.value if exif is not None and isinstance(exif.value, dict) else {}

            def text(tag) -> str:
                return str(tag.value).strip("\x00 ") if tag is not None else ""

            serial = text(tags.get(_DNG_SERIAL)) or str(exif.get("BodySerialNumber", "")).strip()
            stamp = str(exif.get("DateTimeOriginal", "")) or text(tags.get(_DATETIME_ORIGINAL)) \
                or text(tags.get(_DATETIME))
            return text(tags.get(_MAKE)), text(tags.get(_MODEL)), serial, _parse_stamp(stamp)
    except Exception:
        return "", "", "", None


def _parse_stamp(text: str) -> _dt.datetime | None:
    try:
        return _dt.datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def raw_header(path: str | Path) -> dict:
    """Read a RAW file's header, without unpacking the mosaic.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    dict
        ``make, model, serial, width, height`` (visible area) and ``taken`` (datetime
        or None).

    Raises
    ------
    ImageReadError
        One line naming the file, when LibRaw cannot read it.
    MissingDependencyError
        When rawpy is not installed.
    """
    path = Path(path)
    with _opened(path, "not a readable camera RAW file") as raw:
        sizes = raw.sizes
    check_size(path, int(sizes.width), int(sizes.height))
    make, model, serial, taken = _tiff_identity(path)
    return {"make": make, "model": model, "serial": serial, "width": int(sizes.width),
            "height": int(sizes.height), "taken": taken}  # fmt: skip


def raw_levels(path: str | Path) -> tuple[str, int, int]:
    """A RAW file's 2x2 colour pattern (e.g. ``"RGGB"``) and black and white levels.

    LibRaw knows them only after unpacking the mosaic (about as long as decoding), so a
    scan asks once per camera (:func:`hotpixels.io.decode.probe`).

    Raises
    ------
    ImageReadError
        One line naming the file, when LibRaw cannot read it or its mosaic is not a
        2x2 Bayer pattern.
    """
    path = Path(path)
    with _opened(path, "not a readable camera RAW file") as raw:
        return _cfa_of(raw, path), int(min(raw.black_level_per_channel)), int(raw.white_level)


def _reason(err: BaseException) -> str:
    text = err.args[0] if err.args else ""
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    return str(text).rstrip(".") or type(err).__name__


@contextmanager
def _opened(path: Path, what: str = "corrupt or truncated RAW file"):
    """An opened rawpy image (LibRaw unpacks the mosaic when it is first asked for);
    LibRaw's errors become one-line :class:`ImageReadError`."""
    rawpy = _rawpy()
    try:
        with rawpy.imread(str(path)) as raw:
            yield raw
    except HotPixelsError:
        raise
    except _libraw_errors(rawpy) as err:
        msg = f"{path}: {what} ({_reason(err)})"
        raise ImageReadError(msg) from err


def read_mosaic(path: str | Path) -> tuple[np.ndarray, str]:
    """Unpack a RAW file's visible mosaic.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    mosaic : (H, W) ndarray of uint16
        Photosite values as stored (black level not subtracted).
    cfa : str
        The 2x2 pattern, e.g. ``"RGGB"``.

    Raises
    ------
    ImageReadError
        When the file is corrupt or truncated, or not a 2x2 Bayer mosaic.
    """
    path = Path(path)
    with _opened(path) as raw:
        return np.array(raw.raw_image_visible, dtype=np.uint16, copy=True), _cfa_of(raw, path)


def read_planes(path: str | Path, out: np.ndarray | None = None) -> tuple[np.ndarray, str, tuple]:
    """Unpack a RAW file straight into the planes of its tile's positions (one copy).

    Returns
    -------
    planes : (H // p, W // p, p * p) ndarray of uint16
        ``out`` when given and of that shape (:func:`hotpixels.mosaic.to_planes`; ``p``
        is 2 for Bayer, 6 for X-Trans).
    cfa : str
    size : (height, width)
        Of the visible mosaic.
    """
    path = Path(path)
    with _opened(path) as raw:
        cfa, mosaic = _cfa_of(raw, path), raw.raw_image_visible
        h, w = mosaic.shape
        p = period_of(cfa)
        if out is not None and out.shape != (h // p, w // p, p * p):
            out = None
        return to_planes(mosaic, out, p), cfa, (h, w)


def develop(path: str | Path, prepare: Callable[[np.ndarray], object] | None = None,
            **params) -> np.ndarray:  # fmt: skip
    """Develop a RAW file with LibRaw defaults (camera white balance), 16-bit sRGB.

    Parameters
    ----------
    path : str or Path
    prepare : callable, optional
        Called with the visible mosaic (a writable view) before developing, e.g. to
        repair it in place.
    **params
        More ``rawpy.Params`` (e.g. ``no_auto_bright=True``).

    Returns
    -------
    (H', W', 3) ndarray of uint16
    """
    with _opened(Path(path)) as raw:
        if prepare is not None:
            prepare(raw.raw_image_visible)
        if raw.raw_pattern is not None and np.asarray(raw.raw_pattern).shape == (6, 6):
            # LibRaw's own X-Trans demosaic fails on some files its linear one develops.
            rawpy = _rawpy()
            params = {"demosaic_algorithm": rawpy.DemosaicAlgorithm.LINEAR, **params}
        return raw.postprocess(**{"use_camera_wb": True, "output_bps": 16, **params})
