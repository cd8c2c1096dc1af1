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
from PIL import Image, ImageDraw

from hotpixels.errors import ParameterError
from hotpixels.io.writers import atomic_write_bytes, save_image_atomic

__all__ = ["CFA_PATTERN", "SimulatedDefect", "SimulationResult", "demosaic_bilinear", "simulate"]

#: Channel index (0 R, 1 G, 2 B) of the photosite at ``(y % 2, x % 2)``.
CFA_PATTERN = np.array([[0, 1], [1, 2]], dtype=np.intp)
_SENSITIVITY = np.array([0.5, 1.0, 0.67], dtype=np.float32)
_FULL_WELL_ISO100 = 15000.0
_READ_NOISE_E = 3.0
_WHITE = 4095
#: Black level of the simulated DNG files (their white level is ``_WHITE``).
RAW_BLACK = 256
_CHANNEL_NAMES = "RGB"


@dataclass
class SimulatedDefect:
    """One injected defect: position (``x`` column, ``y`` row) and behaviour."""

    x: int
    y: int
    kind: str
    channel: str
    first_frame: int = 0
    note: str = ""
    level: float = 0.0


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


def _binomial_blur(a: np.ndarray) -> np.ndarray:
    """Separable ``[1, 4, 6, 4, 1] / 16`` blur over the first two axes (reflect edges)."""
    k = (1.0, 4.0, 6.0, 4.0, 1.0)
    for axis in (0, 1):
        pad = [(0, 0)] * a.ndim
        pad[axis] = (2, 2)
        p = np.pad(a, pad, mode="reflect")
        n = a.shape[axis]
        out = np.zeros_like(a)
        for i, w in enumerate(k):
            out += w * np.take(p, range(i, i + n), axis=axis)
        a = out / 16.0
    return a


def _smooth_field(rng: np.random.Generator, h: int, w: int, cell: int, channels: int = 1):
    """Random smooth field in [0, 1] with features of about ``cell`` pixels."""
    gh, gw = max(2, h // cell + 2), max(2, w // cell + 2)
    out = np.empty((h, w, channels), dtype=np.float32)
    for c in range(channels):
        small = Image.fromarray(rng.random((gh, gw), dtype=np.float32), mode="F")
        out[..., c] = np.asarray(small.resize((w, h), Image.Resampling.BICUBIC))
    return np.clip(out, 0.0, 1.0)


def _scene(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """One procedural scene in linear light, shape ``(h, w, 3)``, reflectance-like units."""
    yy = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    horizon = rng.uniform(0.2, 0.5)
    top = np.array(rng.uniform([0.25, 0.4, 0.8], [0.4, 0.55, 1.0]), dtype=np.float32)
    bottom = np.array([0.75, 0.8, 0.9], dtype=np.float32)
    sky = top + (bottom - top) * np.clip(yy / horizon, 0, 1)

    base = _smooth_field(rng, h, w, int(rng.integers(40, 120)))
    tint = 0.6 + 0.8 * _smooth_field(rng, h, w, 200, channels=3)
    fine = _smooth_field(rng, h, w, 3)
    ground = (0.05 + 0.6 * base) * tint * (0.75 + 0.5 * fine)
    scene = np.where(yy < horizon, sky * np.ones((1, w, 1), np.float32), ground)

    # Polygons with flat colours (edges), some of them deep shadows.
    labels = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(labels)
    n_poly = int(rng.integers(4, 9))
    colours = np.zeros((n_poly + 1, 3), dtype=np.float32)
    for i in range(1, n_poly + 1):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.05, 0.2) * min(w, h)
        angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(3, 7))))
        pts = [(cx + r * np.cos(a), cy + r * np.sin(a)) for a in angles]
        draw.polygon(pts, fill=i)
        dark = i <= 2
        colours[i] = rng.uniform(0.005, 0.03, 3) if dark else rng.uniform(0.05, 0.9, 3)
    lab = np.asarray(labels)
    scene = np.where(lab[..., None] > 0, colours[lab], scene)
    return _binomial_blur(scene.astype(np.float32))


def _add_lights(scene: np.ndarray, lights: np.ndarray) -> None:
    """Add point lights ``(x, y, amplitude, warmth)`` with a Gaussian PSF (sigma 1.1 px)."""
    h, w, _ = scene.shape
    r = 4
    d = np.arange(-r, r + 1, dtype=np.float32)
    for x0, y0, amp, warmth in lights:
        ix, iy = round(x0), round(y0)
        gx = np.exp(-0.5 * ((d + ix - x0) / 1.1) ** 2)
        gy = np.exp(-0.5 * ((d + iy - y0) / 1.1) ** 2)
        g = (gy[:, None] * gx[None, :]) / (2 * np.pi * 1.1**2)
        colour = np.array([1.0, 1.0 - 0.15 * warmth, 1.0 - 0.4 * warmth], np.float32)
        y1, y2 = max(iy - r, 0), min(iy + r + 1, h)
        x1, x2 = max(ix - r, 0), min(ix + r + 1, w)
        patch = g[y1 - (iy - r) : y2 - (iy - r), x1 - (ix - r) : x2 - (ix - r)]
        scene[y1:y2, x1:x2] += amp * patch[..., None] * colour


def _random_lights(rng: np.random.Generator, h: int, w: int, n: int) -> np.ndarray:
    return np.column_stack(
        [
            rng.uniform(6, w - 6, n),
            rng.uniform(6, h - 6, n),
            rng.uniform(1.0, 12.0, n),
            rng.uniform(0.0, 1.0, n),
        ]
    ).astype(np.float32)


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


def _develop(mosaic12: np.ndarray) -> np.ndarray:
    """12-bit RGGB mosaic -> 8-bit sRGB image (demosaic, white balance, tone curve)."""
    rgb = demosaic_bilinear(mosaic12) / _WHITE
    rgb /= _SENSITIVITY
    idx = (np.clip(rgb, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)
    return _LUT[idx]


#: Random draws for one defect's place before the size is called too small.
_PLACE_TRIES = 2000


def _no_room(w: int, h: int) -> ParameterError:
    return ParameterError(f"{w}x{h} has no room for the simulated defects (24 px apart); "
                          "use at least 256x192, or simulate without defects")  # fmt: skip


def _plan_defects(rng: np.random.Generator, w: int, h: int, n_frames: int):
    """Place defects of every kind at random photosites, at least 24 px apart."""
    specs = [
        ("hot", "full scale", 1.0),
        ("hot", "full scale", 1.0),
        ("hot", "full scale", 1.0),
        ("hot", "below full scale", 0.0),
        ("hot", "below full scale", 0.0),
        ("hot", "below full scale", 0.0),
        ("warm", "", 0.0),
        ("warm", "", 0.0),
        ("warm", "", 0.0),
        ("warm", "", 0.0),
        ("stuck", "", 0.0),
        ("stuck", "", 0.0),
        ("dead", "", 0.0),
        ("dead", "", 0.0),
    ]
    placed: list[SimulatedDefect] = []

    def free(x: int, y: int) -> bool:
        return all(abs(d.x - x) > 24 or abs(d.y - y) > 24 for d in placed)

    def chan(x: int, y: int) -> str:
        return _CHANNEL_NAMES[CFA_PATTERN[y % 2, x % 2]]

    def spot(margin: int = 12) -> tuple[int, int]:
        for _ in range(_PLACE_TRIES):
            x = int(rng.integers(margin, w - margin - 1))
            y = int(rng.integers(margin, h - margin))
            if free(x, y) and free(x + 1, y):
                return x, y
        raise _no_room(w, h)

    for kind, note, level in specs:
        x, y = spot()
        if kind == "hot" and note == "below full scale":
            level = float(rng.uniform(0.4, 0.6))
        elif kind == "warm":
            level = float(rng.uniform(0.08, 0.14))
        elif kind == "stuck":  # mid grey after white balance: 0.2-0.4 of full scale
            level = float(rng.uniform(0.2, 0.4) * _SENSITIVITY[CFA_PATTERN[y % 2, x % 2]])
        placed.append(SimulatedDefect(x, y, kind, chan(x, y), 0, note, level))
    # Two adjacent photosites of different colours.
    x, y = spot()
    placed.append(SimulatedDefect(x, y, "hot", chan(x, y), 0, "adjacent pair", 1.0))
    placed.append(SimulatedDefect(x + 1, y, "hot", chan(x + 1, y), 0, "adjacent pair", 0.5))
    # One on the image border.
    for _ in range(_PLACE_TRIES):  # one draw at a time: the same series as ever
        x = int(rng.integers(30, w - 30))
        if free(x, 0):
            break
    else:
        raise _no_room(w, h)
    placed.append(SimulatedDefect(x, 0, "hot", chan(x, 0), 0, "border", 1.0))
    # One that appears later.
    x, y = spot()
    first = max(1, n_frames // 3)
    placed.append(SimulatedDefect(x, y, "hot", chan(x, y), first, "appears later", 1.0))
    return placed


def _apply_defects(raw: np.ndarray, defects, frame: int, t_factor: float) -> None:
    """Overwrite defective photosites of a linear mosaic (full scale 1.0) in place."""
    for d in defects:
        if frame < d.first_frame:
            continue
        v = raw[d.y, d.x]
        if d.kind == "hot":
            raw[d.y, d.x] = 1.0 if d.level >= 1.0 else v + d.level
        elif d.kind == "warm":
            raw[d.y, d.x] = v + d.level * t_factor
        elif d.kind == "stuck":
            raw[d.y, d.x] = d.level
        elif d.kind == "dead":
            raw[d.y, d.x] = 0.0


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
    return w, h


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
    progress : callable, optional
        Called with the number of frames written so far.

    Returns
    -------
    SimulationResult
        Paths of the photos and of ``truth.json``, and the injected defects.

    Examples
    --------
    >>> import tempfile
    >>> res = simulate(tempfile.mkdtemp(), frames=2, size="128x96", seed=1)
    >>> len(res.frames), res.truth_path.name
    (2, 'truth.json')
    """
    w, h = _parse_size(size)
    if frames < 1:
        msg = f"frames must be at least 1, got {frames}"
        raise ParameterError(msg)
    if not 0 <= burst <= frames:
        msg = f"burst must be between 0 and frames ({frames}), got {burst}"
        raise ParameterError(msg)
    if fmt not in ("jpeg", "png"):
        msg = f"fmt must be 'jpeg' or 'png', got {fmt!r}"
        raise ParameterError(msg)
    model = model or f"HP-SIM {seed}"
    rng = np.random.default_rng(seed)
    truth = _plan_defects(rng, w, h, frames) if defects else []
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if clean:
        (out / "clean").mkdir(exist_ok=True)

    burst_seed = int(rng.integers(2**31))
    burst_light_list = None
    if burst:
        brng = np.random.default_rng(burst_seed)
        burst_light_list = _random_lights(brng, h, w, burst_lights)
        burst_light_list[:, 2] = np.maximum(burst_light_list[:, 2], 3.0)
    start = _dt.datetime(2024, 5, 1, 8, 0, 0)
    ext = ".jpg" if fmt == "jpeg" else ".png"
    yy, xx = np.mgrid[0:h, 0:w]
    cfa = CFA_PATTERN[yy % 2, xx % 2]
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
            scene = _scene(np.random.default_rng(burst_seed), h, w)
            _add_lights(scene, burst_light_list)
            exposure = 0.55 * float(frng.uniform(0.97, 1.03))
            when = start + _dt.timedelta(seconds=2 * i)
        else:
            scene = _scene(frng, h, w)
            _add_lights(scene, _random_lights(frng, h, w, int(frng.integers(5, 40))))
            exposure = float(2.0 ** frng.uniform(-1.5, 0.5))
            when = start + _dt.timedelta(days=1 + i, hours=float(frng.uniform(0, 10)))
        frame_iso = iso or int(frng.choice([100, 200, 400, 800, 1600, 3200]))
        t_factor = float(frng.uniform(0.6, 1.4))
        linear = scene * exposure * vignette[..., None]
        sensor = np.take_along_axis(linear, cfa[..., None], axis=2)[..., 0] * _SENSITIVITY[cfa]
        full_well = _FULL_WELL_ISO100 * 100.0 / frame_iso
        electrons = np.clip(sensor, 0, 4.0) * full_well
        noisy = electrons + frng.standard_normal(sensor.shape, dtype=np.float32) * np.sqrt(
            electrons + _READ_NOISE_E**2
        )
        sensor = noisy / full_well
        clean_raw = sensor.copy() if clean else None
        _apply_defects(sensor, truth, i, t_factor)
        quality = int(frng.integers(80, 97))
        subsampling = 2 if i % 2 == 0 else 0
        exif = _exif_bytes(make, model, when)
        name = f"frame_{i:04d}{ext}"
        targets = [(sensor, out / name, written)]
        if clean_raw is not None:
            targets.append((clean_raw, out / "clean" / name, clean_written))
        for mosaic, path, bucket in targets:
            mosaic12 = np.clip(np.round(mosaic * _WHITE), 0, _WHITE).astype(np.uint16)
            img = Image.fromarray(_develop(mosaic12), mode="RGB")
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
                _write_raw_frame(path, mosaic, make, model, when)
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
        "cfa": "RGGB",
        "raw_levels": {"black": RAW_BLACK, "white": _WHITE} if raw else None,
        "make": make,
        "model": model,
        "burst_frames": list(range(burst)),
        "lights": [{"x": x, "y": y} for x, y in lights],
        "defects": [asdict(d) for d in truth],
    }
    truth_path = out / "truth.json"
    atomic_write_bytes(truth_path, (json.dumps(doc, indent=1) + "\n").encode())
    return SimulationResult(written, truth_path, truth, lights, clean_written, raw_written,
                            clean_raw_written)  # fmt: skip


def _write_raw_frame(path: Path, mosaic: np.ndarray, make: str, model: str, when) -> None:
    """A linear mosaic (full scale 1.0) as a 12-bit DNG with black level ``RAW_BLACK``."""
    from hotpixels.io.raw import write_dng

    values = np.round(mosaic * (_WHITE - RAW_BLACK)) + RAW_BLACK
    data = np.clip(values, 0, _WHITE).astype(np.uint16)
    write_dng(path, data, cfa="RGGB", black=RAW_BLACK, white=_WHITE, make=make, model=model,
              taken=when, neutral=tuple(float(v) for v in _SENSITIVITY))  # fmt: skip
