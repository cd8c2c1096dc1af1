"""A minimal DNG writer, so that the simulated camera has RAW files LibRaw reads."""

from __future__ import annotations

import datetime as _dt
import io
from pathlib import Path

import numpy as np

from hotpixels.errors import ParameterError, require
from hotpixels.io.writers import atomic_write_bytes

__all__ = ["write_dng"]


_CFA_CODES = {"R": 0, "G": 1, "B": 2}
#: XYZ (D65) to linear sRGB: a camera whose channels are linear sRGB.
_XYZ_TO_LINEAR_SRGB = (3.2406, -1.5372, -0.4986, -0.9689, 1.8758, 0.0415, 0.0557, -0.2040, 1.0570)


def _rationals(values) -> tuple[int, ...]:
    return tuple(v for x in values for v in (round(x * 10000), 10000))


def write_dng(
    path: str | Path,
    mosaic: np.ndarray,
    *,
    cfa: str = "RGGB",
    black: int = 0,
    white: int = 4095,
    make: str = "",
    model: str = "",
    serial: str = "",
    taken: _dt.datetime | None = None,
    neutral: tuple[float, float, float] = (1.0, 1.0, 1.0),
) -> None:
    """Write a Bayer mosaic as a minimal, uncompressed DNG that LibRaw reads.

    Parameters
    ----------
    path : str or Path
        Output file (written atomically).
    mosaic : (H, W) ndarray of uint16
    cfa : str
        The 2x2 pattern in reading order (RGGB, BGGR, GRBG or GBRG), or the 36 letters
        of a 6x6 X-Trans tile.
    black, white : int
        Black and white levels.
    make, model, serial : str
        Camera identity (IFD0 Make, Model; DNG UniqueCameraModel, CameraSerialNumber).
    taken : datetime, optional
        Capture time (DateTime and DateTimeOriginal).
    neutral : (float, float, float)
        AsShotNeutral: the camera's response to white (for developing).
    """
    tifffile = require("tifffile", "raw", "writing DNG files")
    mosaic = np.ascontiguousarray(mosaic, dtype=np.uint16)
    bayer = len(cfa) == 4 and sorted(cfa) == ["B", "G", "G", "R"]
    if mosaic.ndim != 2 or not (bayer or (len(cfa) == 36 and set(cfa) == {"R", "G", "B"})):
        msg = f"write_dng needs an (H, W) mosaic and a Bayer or X-Trans pattern, got {mosaic.shape} {cfa!r}"
        raise ParameterError(msg)
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S") if taken else None
    tags = [
        (33421, "H", 2, (2, 2) if bayer else (6, 6), True),  # CFARepeatPatternDim
        (33422, "B", len(cfa), bytes(_CFA_CODES[c] for c in cfa), True),  # CFAPattern
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50707, "B", 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
        (50708, "s", 0, f"{make} {model}".strip() or "hotpixels", True),  # UniqueCameraModel
        (50710, "B", 3, (0, 1, 2), True),  # CFAPlaneColor
        (50711, "H", 1, 1, True),  # CFALayout: rectangular
        (50714, "H", 1, int(black), True),  # BlackLevel
        (50717, "H", 1, int(white), True),  # WhiteLevel
        (50721, "2i", 9, _rationals(_XYZ_TO_LINEAR_SRGB), True),  # ColorMatrix1
        (50778, "H", 1, 21, True),  # CalibrationIlluminant1: D65
        (50728, "2I", 3, _rationals(neutral), True),  # AsShotNeutral
        (271, "s", 0, make or "hotpixels", True),
        (272, "s", 0, model or "simulated", True),
    ]
    if serial:
        tags.append((50735, "s", 0, serial, True))
    if stamp:
        tags.append((36867, "s", 0, stamp, True))
    buf = io.BytesIO()
    tifffile.imwrite(buf, mosaic, photometric=32803, extratags=tags, metadata=None,
                     subfiletype=0, software=False, datetime=stamp)  # fmt: skip
    atomic_write_bytes(path, buf.getvalue())
