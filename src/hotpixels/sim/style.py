"""How a simulated camera makes its photos, beyond the default: other demosaicing, a
colour matrix, in-camera sharpening and noise reduction, more noise, highlights that
recur at one place, adjacent defects of every colour pair, stuck photosites across the
range, a late defect at a chosen point.

Detection must hold on cameras it was never tuned on, so the test sets vary these
(:data:`SETS` names the kinds of set the suite and ``benchmarks/bench_detect.py``
use). ``CameraStyle()`` is the default camera, whose photos are exactly those of
earlier versions for the same seed: every addition draws from its own random stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hotpixels.errors import ParameterError, require
from hotpixels.frames import srgb_decode
from hotpixels.sim.scene import binomial_blur
from hotpixels.sim.sensor import CFA_PATTERN, SENSITIVITY, WHITE, XTRANS_PATTERN, develop, srgb_encode

__all__ = ["CAMERA_MATRIX", "DEMOSAICS", "SETS", "CameraStyle", "develop_styled", "highlight_spots",
           "style_rng"]

DEMOSAICS = ("bilinear", "vng", "ea")


@dataclass(frozen=True)
class CameraStyle:
    """What a simulated camera does besides the default.

    Attributes
    ----------
    demosaic : {"bilinear", "vng", "ea"}
        Bilinear (default), or OpenCV's variable-number-of-gradients (on the gamma-encoded
        mosaic, 8 bits, as some cameras do) or edge-aware one (linear, 16 bits); the
        last two need ``opencv-python-headless``.
    sharpen : float
        Unsharp-mask amount applied to the developed photo (0: none; 1.5: strong).
    denoise : float
        Share of a chroma blur mixed into the developed photo (in-camera noise
        reduction smears a defect's colour; 0 to 1).
    noise : float
        Scale of the shot and read noise (1: the default sensor).
    highlights : int
        Clipped highlights (a window, a lamp) at fixed places, shown in about half of
        the frames, whatever the scene: not defects.
    pairs : bool
        Adjacent defects of every colour pair (horizontal, vertical, diagonal) and
        strength ratio, beside the default defects.
    stuck_range : bool
        Stuck photosites whose developed value spans the range (15 to 90 %).
    late : float, optional
        Share of the series from which the late defect shows (default a third).
    stable_warm : bool
        Warm photosites add the same offset in every frame (by default it varies with
        each frame's exposure and heat, 0.6 to 1.4 times).
    xtrans : bool
        A Fujifilm X-Trans (6x6) sensor instead of an RGGB one (its photos developed by
        a local mean; bilinear demosaic only).
    matrix : float
        Strength of a camera colour matrix applied in linear light after white balance
        (0: none, as the default camera; 1: :data:`CAMERA_MATRIX`, a typical one, whose
        rows mix red and blue into the other channels differently).
    """

    demosaic: str = "bilinear"
    sharpen: float = 0.0
    denoise: float = 0.0
    noise: float = 1.0
    highlights: int = 0
    pairs: bool = False
    stuck_range: bool = False
    late: float | None = None
    stable_warm: bool = False
    xtrans: bool = False
    matrix: float = 0.0

    def __post_init__(self) -> None:
        if self.xtrans and (self.demosaic != "bilinear" or self.pairs or self.stuck_range):
            msg = "an X-Trans camera is simulated with the bilinear demosaic, without pairs or stuck_range"
            raise ParameterError(msg)
        if self.demosaic not in DEMOSAICS:
            msg = f"demosaic must be one of {', '.join(DEMOSAICS)}, got {self.demosaic!r}"
            raise ParameterError(msg)
        if (self.noise <= 0 or self.sharpen < 0 or not 0 <= self.denoise <= 1 or self.highlights < 0
                or not 0 <= self.matrix <= 1):
            msg = ("noise must be positive, sharpen at least 0, denoise and matrix within 0..1, "
                   "highlights at least 0")
            raise ParameterError(msg)
        if self.late is not None and not 0 < self.late < 1:
            msg = f"late must be a share of the series within (0, 1), got {self.late}"
            raise ParameterError(msg)

    @property
    def plain(self) -> bool:
        """Whether the photos are developed as by the default camera."""
        return self.demosaic == "bilinear" and not self.sharpen and not self.denoise and not self.matrix


#: Camera RGB (white-balanced) to linear sRGB of a typical camera: rows sum to 1 (grey
#: stays grey), and red and blue are mixed into the other channels differently.
CAMERA_MATRIX = np.array([[1.75, -0.60, -0.15], [-0.20, 1.45, -0.25], [0.05, -0.55, 1.50]], np.float32)
#: 8-bit sRGB -> linear light.
_DECODE = np.array([srgb_decode(v / 255.0) for v in range(256)], np.float32)


#: The kinds of set detection is judged on: name -> (simulate keyword arguments).
SETS: dict[str, dict] = {
    "jpeg-bilinear": {"frames": 30, "style": CameraStyle(pairs=True, stuck_range=True)},
    "jpeg-vng": {"frames": 30, "style": CameraStyle(demosaic="vng", sharpen=1.0, pairs=True,
                                                    stuck_range=True)},
    "jpeg-ea": {"frames": 30, "style": CameraStyle(demosaic="ea", denoise=0.5, pairs=True,
                                                   stuck_range=True, highlights=3)},
    "jpeg-matrix": {"frames": 30, "style": CameraStyle(matrix=1.0, pairs=True, stuck_range=True)},
    "burst-noisy": {"frames": 40, "burst": 12, "style": CameraStyle(noise=1.8, late=0.53)},
    "few-15": {"frames": 15, "style": CameraStyle(sharpen=0.6, late=0.37)},
    "raw-highlights": {"frames": 30, "raw": True, "fmt": "png",
                       "style": CameraStyle(highlights=4, stuck_range=True)},
}


def style_rng(seed: int, *parts: int) -> np.random.Generator:
    """The random stream of a style's additions (apart from the default camera's)."""
    return np.random.default_rng([seed, 0x5717E, *parts])


def highlight_spots(seed: int, w: int, h: int, n: int) -> list[tuple[int, int, int]]:
    """``n`` fixed highlights ``(x, y, radius)`` of a camera series."""
    rng = style_rng(seed, 1)
    return [(int(rng.integers(20, w - 20)), int(rng.integers(20, h - 20)), int(rng.integers(2, 6)))
            for _ in range(n)]  # fmt: skip


def _cv2():
    return require("cv2", "test", "simulating VNG or edge-aware demosaicing (opencv-python-headless)")


#: Photosites developed beyond each edge of the photo (even: the Bayer phase stays).
_MARGIN = 4


def _demosaic(mosaic12: np.ndarray, how: str) -> np.ndarray:
    """White-balanced linear RGB in 0..1 (bilinear: :func:`develop`'s own)."""
    cv2 = _cv2()
    gains = (1.0 / SENSITIVITY)[CFA_PATTERN[np.arange(mosaic12.shape[0])[:, None] % 2,
                                            np.arange(mosaic12.shape[1])[None, :] % 2]]  # fmt: skip
    balanced = np.clip(mosaic12 / WHITE * gains, 0.0, 1.0)
    # OpenCV fills the outer rows and columns from inside (a hot photosite on the first
    # row vanished), where a camera develops photosites beyond the photo's edge: mirror
    # an even margin (the Bayer phase stays) and cut it off again.
    balanced = np.pad(balanced, _MARGIN, mode="reflect")
    inner = (slice(_MARGIN, -_MARGIN), slice(_MARGIN, -_MARGIN))
    if how == "vng":  # on the gamma-encoded mosaic, 8 bits
        coded = srgb_encode(balanced)
        return cv2.cvtColor(coded, cv2.COLOR_BayerBG2RGB_VNG)[inner]  # OpenCV's name for RGGB
    linear16 = np.round(balanced * 65535).astype(np.uint16)
    rgb16 = cv2.cvtColor(linear16, cv2.COLOR_BayerBG2RGB_EA)[inner]
    return srgb_encode(rgb16 / 65535.0)


def develop_styled(mosaic12: np.ndarray, style: CameraStyle) -> np.ndarray:
    """12-bit RGGB mosaic -> 8-bit sRGB photo, as ``style``'s camera develops it."""
    if style.xtrans:
        rgb8 = develop(mosaic12, XTRANS_PATTERN)
    else:
        rgb8 = develop(mosaic12) if style.demosaic == "bilinear" else _demosaic(mosaic12, style.demosaic)
    if style.plain:
        return rgb8
    if style.matrix:
        mix = np.eye(3, dtype=np.float32) + style.matrix * (CAMERA_MATRIX - np.eye(3, dtype=np.float32))
        rgb8 = srgb_encode(np.clip(_DECODE[rgb8] @ mix.T, 0.0, 1.0))
    img = rgb8.astype(np.float32)
    if style.denoise:
        luma = img.mean(axis=2, keepdims=True)
        chroma = binomial_blur(img - luma)
        img = luma + (1 - style.denoise) * (img - luma) + style.denoise * chroma
    if style.sharpen:
        img = img + style.sharpen * (img - binomial_blur(img))
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def add_highlights(linear: np.ndarray, spots, frame_rng: np.random.Generator) -> None:
    """Clip the fixed highlights into about half of the frames (in place, linear light)."""
    if not spots or frame_rng.random() < 0.5:
        return
    h, w, _ = linear.shape
    yy, xx = np.ogrid[0:h, 0:w]
    for x, y, r in spots:
        jx, jy = frame_rng.integers(-1, 2, 2)
        inside = (xx - x - jx) ** 2 + (yy - y - jy) ** 2 <= r * r
        linear[inside] = 6.0  # well past clipping in every colour
