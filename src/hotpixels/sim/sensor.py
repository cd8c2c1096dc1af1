"""The simulated sensor and its processing: an RGGB (or X-Trans) mosaic with channel
sensitivities, shot and read noise, 12 bits; bilinear demosaicing (a local mean for
X-Trans), white balance and the sRGB curve."""

from __future__ import annotations

import numpy as np

__all__ = ["CFA_PATTERN", "FULL_WELL_ISO100", "RAW_BLACK", "READ_NOISE_E", "SENSITIVITY", "WHITE",
           "XTRANS_PATTERN", "demosaic_average", "demosaic_bilinear", "develop", "pattern_letters",
           "srgb_encode"]  # fmt: skip

#: Channel index (0 R, 1 G, 2 B) of the photosite at ``(y % 2, x % 2)``.
CFA_PATTERN = np.array([[0, 1], [1, 2]], dtype=np.intp)
#: Fujifilm's X-Trans tile: channel index of the photosite at ``(y % 6, x % 6)``.
XTRANS_PATTERN = np.array([["RGB".index(c) for c in row]
                           for row in ("GGRGGB", "GGBGGR", "BRGRBG", "GGBGGR", "GGRGGB", "RBGBRG")],
                          dtype=np.intp)  # fmt: skip


def pattern_letters(pattern: np.ndarray) -> str:
    """A channel-index tile as letters in reading order (``"RGGB"``)."""
    return "".join("RGB"[int(i)] for i in pattern.ravel())


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


def demosaic_average(mosaic: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """Demosaicing of any periodic pattern (X-Trans): each photosite keeps its own colour,
    the others are the mean of that colour's photosites in the 3x3 around it (5x5 where
    the 3x3 has none).

    Examples
    --------
    >>> import numpy as np
    >>> demosaic_average(np.ones((12, 12)), XTRANS_PATTERN)[5, 5].tolist()
    [1.0, 1.0, 1.0]
    """
    h, w = mosaic.shape
    p = pattern.shape[0]
    m = mosaic.astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    chan = pattern[yy % p, xx % p]
    out = np.empty((h, w, 3), dtype=np.float32)

    def box(a: np.ndarray, r: int) -> np.ndarray:
        padded = np.pad(a, r, mode="reflect")
        acc = np.zeros((h, w), np.float32)
        for dy in range(2 * r + 1):
            for dx in range(2 * r + 1):
                acc += padded[dy : dy + h, dx : dx + w]
        return acc

    for c in range(3):
        mask = (chan == c).astype(np.float32)
        near, count = box(m * mask, 1), box(mask, 1)
        wide, wide_count = box(m * mask, 2), box(mask, 2)
        mean = np.where(count > 0, near / np.maximum(count, 1), wide / np.maximum(wide_count, 1))
        out[..., c] = np.where(chan == c, m, mean)
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


def develop(mosaic12: np.ndarray, pattern: np.ndarray | None = None) -> np.ndarray:
    """12-bit RGGB mosaic (or of ``pattern``'s tile) -> 8-bit sRGB image (demosaic, white
    balance, tone curve)."""
    rgb = (demosaic_bilinear(mosaic12) if pattern is None else demosaic_average(mosaic12, pattern)) / WHITE
    rgb /= SENSITIVITY
    return srgb_encode(rgb)
