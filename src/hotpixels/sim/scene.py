"""Scenes in linear light for the simulated camera: sky, textured ground, flat polygons
with sharp edges, deep shadows, point lights with a Gaussian lens spread, and the lens
blur (a binomial point spread function, sigma about 1 px)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

__all__ = ["add_lights", "binomial_blur", "make_scene", "random_lights", "smooth_field"]


def binomial_blur(a: np.ndarray) -> np.ndarray:
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


def smooth_field(rng: np.random.Generator, h: int, w: int, cell: int, channels: int = 1):
    """Random smooth field in [0, 1] with features of about ``cell`` pixels."""
    gh, gw = max(2, h // cell + 2), max(2, w // cell + 2)
    out = np.empty((h, w, channels), dtype=np.float32)
    for c in range(channels):
        small = Image.fromarray(rng.random((gh, gw), dtype=np.float32), mode="F")
        out[..., c] = np.asarray(small.resize((w, h), Image.Resampling.BICUBIC))
    return np.clip(out, 0.0, 1.0)


def make_scene(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """One procedural scene in linear light, shape ``(h, w, 3)``, reflectance-like units."""
    yy = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    horizon = rng.uniform(0.2, 0.5)
    top = np.array(rng.uniform([0.25, 0.4, 0.8], [0.4, 0.55, 1.0]), dtype=np.float32)
    bottom = np.array([0.75, 0.8, 0.9], dtype=np.float32)
    sky = top + (bottom - top) * np.clip(yy / horizon, 0, 1)

    base = smooth_field(rng, h, w, int(rng.integers(40, 120)))
    tint = 0.6 + 0.8 * smooth_field(rng, h, w, 200, channels=3)
    fine = smooth_field(rng, h, w, 3)
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
    return binomial_blur(scene.astype(np.float32))


def add_lights(scene: np.ndarray, lights: np.ndarray) -> None:
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


def random_lights(rng: np.random.Generator, h: int, w: int, n: int) -> np.ndarray:
    return np.column_stack(
        [
            rng.uniform(6, w - 6, n),
            rng.uniform(6, h - 6, n),
            rng.uniform(1.0, 12.0, n),
            rng.uniform(0.0, 1.0, n),
        ]
    ).astype(np.float32)
