"""The simulated sensor and its processing: an RGGB mosaic with channel sensitivities,
shot and read noise, 12 bits; bilinear demosaicing, white balance and the sRGB curve."""

from __future__ import annotations

import numpy as np

__all__ = ["CFA_PATTERN", "FULL_WELL_ISO100", "RAW_BLACK", "READ_NOISE_E", "SENSITIVITY", "WHITE",
           "demosaic_bilinear", "develop", "srgb_encode"]  # fmt: skip

#: Channel index (0 R, 1 G, 2 B) of the photosite at ``(y % 2, x % 2)``.
CFA_PATTERN = np.array([[0, 1], [1, 2]], dtype=np.intp)


SENSITIVITY = np.array([0.5, 1.0, 0.67], dtype=np.float32)


FULL_WELL_ISO100 = 15000.0


READ_NOISE_E = 3.0


WHITE = 4095


#: Black level of the simulated DNG files (their white level is ``WHITE``).
RAW_BLACK = 256


def demosaic_bilinear(mosaic: np.ndarray) -> np.ndarray:
    """Bilinear demosaicing of an RGGB mosaic.

    Parameters
    ----------
    mosaic : (M, N) ndarray
        Linear photosite values, RGGB pattern starting at the top-left.

    Returns
    -------
    (M, N, 3) ndarray of float32
        Interpolated RGB image.

    Examples
    --------
    >>> import numpy as np
    >>> demosaic_bilinear(np.ones((4, 4))).shape
    (4, 4, 3)
    """
    h, w = mosaic.shape
    m = mosaic.astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    chan = CFA_PATTERN[yy % 2, xx % 2]
    out = np.empty((h, w, 3), dtype=np.float32)
    k_rb = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], np.float32) / 4
    k_g = np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]], np.float32) / 4
    for c, k in ((0, k_rb), (1, k_g), (2, k_rb)):
        plane = np.where(chan == c, m, 0.0).astype(np.float32)
        p = np.pad(plane, 1, mode="reflect")
        acc = np.zeros((h, w), np.float32)
        for dy in range(3):
            for dx in range(3):
                if k[dy, dx]:
                    acc += k[dy, dx] * p[dy : dy + h, dx : dx + w]
        out[..., c] = acc
    return out


def _srgb_lut() -> np.ndarray:
    x = np.linspace(0.0, 1.0, 65536)
    y = np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)
    return np.round(y * 255.0).astype(np.uint8)


_LUT = _srgb_lut()


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """Linear light in 0..1 -> 8-bit sRGB (the tone curve through a 16-bit table)."""
    idx = (np.clip(linear, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)
    return _LUT[idx]


def develop(mosaic12: np.ndarray) -> np.ndarray:
    """12-bit RGGB mosaic -> 8-bit sRGB image (demosaic, white balance, tone curve)."""
    rgb = demosaic_bilinear(mosaic12) / WHITE
    rgb /= SENSITIVITY
    return srgb_encode(rgb)
