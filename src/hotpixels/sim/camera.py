"""A simulated camera with known defects, for tests, the demo and benchmarks.

The model follows light from a scene to a JPEG file, so that every case that fools a
simple detector can be produced with a known answer:

1. **Scene** (linear light, RGB, float32): a sky gradient above a random horizon, a
   textured ground (smooth noise at two scales, with colour), polygons with flat colours
   (sharp edges), a few dark polygons (deep shadows), and small bright point lights that
   move from frame to frame. Every frame is a new scene, except the frames of a tripod
   *burst* (``burst``): those share one scene, including its static point lights, and
   differ only by noise and a small exposure jitter.
2. **Lens**: vignetting (``1 - 0.35 r^2``) and a point spread function (binomial
   ``[1, 4, 6, 4, 1] / 16`` per axis, sigma about 1 px). Point lights are rendered with a
   Gaussian PSF of sigma 1.1 px, so a scene light always covers several photosites of
   all three colours.
3. **Sensor**: an RGGB Bayer mosaic with channel sensitivities R 0.5, G 1.0, B 0.67,
   shot noise (full well 15000 e- at ISO 100, scaled by 100 / ISO) and 3 e- read noise,
   quantised to 12 bits. The ISO of each frame is drawn from 100 to 3200 (or fixed with
   ``iso``), the exposure from a 4x range.
4. **Defects** (on photosites, after the noise): ``hot`` at full scale, ``hot`` below full
   scale (scene + 0.4 to 0.6 of full scale, so its value varies with the scene), ``warm``
   (scene + 0.08 to 0.14 of full scale, times the frame's exposure-time factor; weaker
   offsets vanish under JPEG quantisation), ``stuck`` (a fixed mid value, 0.2 to 0.4 of
   full scale after white balance), ``dead`` (0), two horizontally adjacent defects, one
   on the image border, and one that appears only from a third of the frames on.
5. **Processing**: bilinear demosaicing, white balance (the inverse sensitivities), the
   sRGB tone curve, 8-bit rounding, then JPEG at a quality drawn from 80 to 96 with 4:2:0
   and 4:4:4 chroma subsampling alternating, and EXIF Make, Model and DateTimeOriginal.
   ``fmt="png"`` writes lossless PNG instead. With ``raw=True`` each frame's mosaic is
   also written as a 12-bit DNG (black level 256, white level 4095, the same scene,
   noise and defects), which rawpy and raw developers read.

With ``clean=True`` every frame also gets a defect-free twin in ``clean/`` (the same
scene, noise and encoding, without the defects), to judge repairs against.
``truth.json`` lists the defects (``x`` column, ``y`` row, ``kind``, ``channel``,
``first_frame``), the static lights of the burst and the burst's frames.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from hotpixels.errors import ImageWriteError, ParameterError
from hotpixels.io.writers import atomic_write_bytes, save_image_atomic
from hotpixels.sim.defects import SimulatedDefect, apply_defects, plan_defects, plan_extra
from hotpixels.sim.dng import write_dng
from hotpixels.sim.scene import add_lights, make_scene, random_lights
from hotpixels.sim.sensor import (
    CFA_PATTERN,
    FULL_WELL_ISO100,
    RAW_BLACK,
    READ_NOISE_E,
    SENSITIVITY,
    WHITE,
    XTRANS_PATTERN,
    pattern_letters,
)
from hotpixels.sim.style import CameraStyle, add_highlights, develop_styled, highlight_spots, style_rng

#: Largest simulated frame (pixels): a few frames of it fit in memory.
MAX_SIMULATED = 64 * 10**6

__all__ = ["RAW_BLACK", "SimulatedDefect", "SimulationResult", "simulate"]


@dataclass
class SimulationResult:
    """What :func:`simulate` wrote."""

    frames: list[Path]
    truth_path: Path
    defects: list[SimulatedDefect]
    lights: list[tuple[int, int]] = field(default_factory=list)
    clean_frames: list[Path] = field(default_factory=list)
    raw_frames: list[Path] = field(default_factory=list)
    clean_raw_frames: list[Path] = field(default_factory=list)


def _exif_bytes(make: str, model: str, when: _dt.datetime) -> bytes:
    exif = Image.Exif()
    stamp = when.strftime("%Y:%m:%d %H:%M:%S")
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0132] = stamp
    exif.get_ifd(0x8769)[0x9003] = stamp
    return exif.tobytes()


def _parse_size(size: str | tuple[int, int]) -> tuple[int, int]:
    if isinstance(size, str):
        try:
            w, h = (int(v) for v in size.lower().split("x"))
        except ValueError as err:
            msg = f"size must look like 1600x1200, got {size!r}"
            raise ParameterError(msg) from err
    else:
        w, h = size
    if w < 64 or h < 64 or w % 2 or h % 2:
        msg = f"size must be even and at least 64x64, got {w}x{h}"
        raise ParameterError(msg)
    if w * h > MAX_SIMULATED:
        msg = f"size must be at most {MAX_SIMULATED // 10**6} MP (say 8192x6144), got {w}x{h}"
        raise ParameterError(msg)
    return w, h


def _check(frames: int, burst: int, fmt: str) -> None:
    if frames < 1:
        msg = f"frames must be at least 1, got {frames}"
        raise ParameterError(msg)
    if not 0 <= burst <= frames:
        msg = f"burst must be between 0 and frames ({frames}), got {burst}"
        raise ParameterError(msg)
    if fmt not in ("jpeg", "png"):
        msg = f"fmt must be 'jpeg' or 'png', got {fmt!r}"
        raise ParameterError(msg)


def _make_folders(out: Path, clean: bool) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        if clean:
            (out / "clean").mkdir(exist_ok=True)
    except OSError as err:
        msg = f"{out}: cannot write there ({err.strerror or err}); choose another folder"
        raise ImageWriteError(msg) from err


def simulate(
    out: str | Path,
    *,
    frames: int = 40,
    size: str | tuple[int, int] = (1600, 1200),
    seed: int = 0,
    defects: bool = True,
    burst: int = 0,
    burst_lights: int = 25,
    iso: int | None = None,
    fmt: str = "jpeg",
    clean: bool = False,
    raw: bool = False,
    make: str = "Simulated",
    model: str | None = None,
    style: CameraStyle | None = None,
    progress=None,
) -> SimulationResult:
    """Simulate a camera with known defects and write its photos.

    Parameters
    ----------
    out : str or Path
        Output folder (created). Existing frames in it are overwritten only if they were
        written by a simulation too (same names).
    frames : int
        Number of photos.
    size : str or (int, int)
        ``"WxH"`` or ``(width, height)``, even numbers.
    seed : int
        Seed of everything random: the same seed gives the same files.
    defects : bool
        Inject defects; ``False`` simulates a perfect sensor.
    burst : int
        The first ``burst`` frames are a tripod burst: one scene with static point lights.
    burst_lights : int
        Number of static point lights in the burst's scene.
    iso : int, optional
        Fixed ISO; by default each frame draws one from 100 to 3200.
    fmt : {"jpeg", "png"}
        File format of the photos.
    clean : bool
        Also write defect-free twins in ``out/clean``.
    raw : bool
        Also write each frame's mosaic as ``frame_NNNN.dng`` (``SimulationResult.raw_frames``;
        needs the ``raw`` extra for tifffile).
    make, model : str
        EXIF camera identity (model defaults to ``"HP-SIM <seed>"``).
    style : CameraStyle, optional
        Another demosaic, sharpening, noise reduction, more noise, recurring highlights,
        more defects (:mod:`hotpixels.sim.style`); default the default camera.
    progress : callable, optional
        Called with the number of frames written so far.

    Returns
    -------
    SimulationResult
        Paths of the photos and of ``truth.json``, and the injected defects.

    Examples
    --------
    >>> import tempfile
    >>> res = simulate(tempfile.mkdtemp(), frames=2, size="256x192", seed=1)
    >>> len(res.frames), res.truth_path.name
    (2, 'truth.json')
    """
    w, h = _parse_size(size)
    _check(frames, burst, fmt)
    model = model or f"HP-SIM {seed}"
    rng = np.random.default_rng(seed)
    style = style or CameraStyle()
    pattern = XTRANS_PATTERN if style.xtrans else CFA_PATTERN
    truth = plan_defects(rng, w, h, frames, pattern) if defects else []
    if truth and style.late is not None:
        late = next(d for d in truth if d.note == "appears later")
        late.first_frame = max(1, round(style.late * frames))
    if truth and (style.pairs or style.stuck_range):
        truth += plan_extra(style_rng(seed, 2), w, h, truth, pairs=style.pairs, stuck_range=style.stuck_range)
    spots = highlight_spots(seed, w, h, style.highlights) if style.highlights else []
    out = Path(out)
    _make_folders(out, clean)

    burst_seed = int(rng.integers(2**31))
    burst_light_list = None
    if burst:
        brng = np.random.default_rng(burst_seed)
        burst_light_list = random_lights(brng, h, w, burst_lights)
        burst_light_list[:, 2] = np.maximum(burst_light_list[:, 2], 3.0)
    start = _dt.datetime(2024, 5, 1, 8, 0, 0)
    ext = ".jpg" if fmt == "jpeg" else ".png"
    yy, xx = np.mgrid[0:h, 0:w]
    cfa = pattern[yy % len(pattern), xx % len(pattern)]
    rr = ((xx - w / 2) ** 2 + (yy - h / 2) ** 2) / ((w / 2) ** 2 + (h / 2) ** 2)
    vignette = (1.0 - 0.35 * rr).astype(np.float32)
    del yy, xx, rr
    written: list[Path] = []
    clean_written: list[Path] = []
    raw_written: list[Path] = []
    clean_raw_written: list[Path] = []
    for i in range(frames):
        frng = np.random.default_rng([seed, i])
        if i < burst:
            scene = make_scene(np.random.default_rng(burst_seed), h, w)
            add_lights(scene, burst_light_list)
            exposure = 0.55 * float(frng.uniform(0.97, 1.03))
            when = start + _dt.timedelta(seconds=2 * i)
        else:
            scene = make_scene(frng, h, w)
            add_lights(scene, random_lights(frng, h, w, int(frng.integers(5, 40))))
            exposure = float(2.0 ** frng.uniform(-1.5, 0.5))
            when = start + _dt.timedelta(days=1 + i, hours=float(frng.uniform(0, 10)))
        frame_iso = iso or int(frng.choice([100, 200, 400, 800, 1600, 3200]))
        t_factor = float(frng.uniform(0.6, 1.4))
        linear = scene * exposure * vignette[..., None]
        add_highlights(linear, spots, style_rng(seed, 3, i))
        sensor = np.take_along_axis(linear, cfa[..., None], axis=2)[..., 0] * SENSITIVITY[cfa]
        full_well = FULL_WELL_ISO100 * 100.0 / frame_iso
        electrons = np.clip(sensor, 0, 4.0) * full_well
        spread = np.sqrt(electrons + READ_NOISE_E**2)
        if style.noise != 1.0:
            spread *= np.float32(style.noise)
        noisy = electrons + frng.standard_normal(sensor.shape, dtype=np.float32) * spread
        sensor = noisy / full_well
        clean_raw = sensor.copy() if clean else None
        apply_defects(sensor, truth, i, 1.0 if style.stable_warm else t_factor)
        quality = int(frng.integers(80, 97))
        subsampling = 2 if i % 2 == 0 else 0
        exif = _exif_bytes(make, model, when)
        name = f"frame_{i:04d}{ext}"
        targets = [(sensor, out / name, written)]
        if clean_raw is not None:
            targets.append((clean_raw, out / "clean" / name, clean_written))
        for mosaic, path, bucket in targets:
            mosaic12 = np.clip(np.round(mosaic * WHITE), 0, WHITE).astype(np.uint16)
            img = Image.fromarray(develop_styled(mosaic12, style), mode="RGB")
            if fmt == "jpeg":
                save_image_atomic(
                    img, path, format="JPEG", quality=quality, subsampling=subsampling, exif=exif
                )
            else:
                save_image_atomic(img, path, format="PNG", exif=exif)
            bucket.append(path)
        if raw:
            dng = [(sensor, out / f"frame_{i:04d}.dng", raw_written)]
            if clean_raw is not None:
                dng.append((clean_raw, out / "clean" / f"frame_{i:04d}.dng", clean_raw_written))
            for mosaic, path, bucket in dng:
                _write_raw_frame(path, mosaic, make, model, when, pattern_letters(pattern))
                bucket.append(path)
        if progress is not None:
            progress(i + 1)

    lights = (
        [(round(float(x)), round(float(y))) for x, y, _, _ in burst_light_list]
        if burst_light_list is not None
        else []
    )
    doc = {
        "format": "hotpixels-truth",
        "version": 1,
        "width": w,
        "height": h,
        "frames": frames,
        "seed": seed,
        "cfa": pattern_letters(pattern),
        "raw_levels": {"black": RAW_BLACK, "white": WHITE} if raw else None,
        "make": make,
        "model": model,
        "burst_frames": list(range(burst)),
        "lights": [{"x": x, "y": y} for x, y in lights],
        "highlights": [{"x": x, "y": y, "radius": r} for x, y, r in spots],
        "style": asdict(style),
        "defects": [asdict(d) for d in truth],
    }
    truth_path = out / "truth.json"
    atomic_write_bytes(truth_path, (json.dumps(doc, indent=1) + "\n").encode())
    return SimulationResult(written, truth_path, truth, lights, clean_written, raw_written,
                            clean_raw_written)  # fmt: skip


def _write_raw_frame(path: Path, mosaic: np.ndarray, make: str, model: str, when, cfa: str = "RGGB") -> None:
    """A linear mosaic (full scale 1.0) as a 12-bit DNG with black level ``RAW_BLACK``."""
    values = np.round(mosaic * (WHITE - RAW_BLACK)) + RAW_BLACK
    data = np.clip(values, 0, WHITE).astype(np.uint16)
    write_dng(path, data, cfa=cfa, black=RAW_BLACK, white=WHITE, make=make, model=model,
              taken=when, neutral=tuple(float(v) for v in SENSITIVITY))  # fmt: skip
