"""The simulated defects: where they sit on the mosaic, and what they do to each frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hotpixels.errors import ParameterError
from hotpixels.frames import srgb_decode
from hotpixels.sim.sensor import CFA_PATTERN, SENSITIVITY

__all__ = ["PAIRS", "STUCK_LEVELS", "SimulatedDefect", "apply_defects", "plan_defects", "plan_extra"]

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


#: Random draws for one defect's place before the size is called too small.
_PLACE_TRIES = 2000


def _no_room(w: int, h: int) -> ParameterError:
    return ParameterError(f"{w}x{h} has no room for the simulated defects (24 px apart); "
                          "use at least 256x192, or simulate without defects")  # fmt: skip


def plan_defects(rng: np.random.Generator, w: int, h: int, n_frames: int, pattern: np.ndarray = CFA_PATTERN):
    """Place defects of every kind at random photosites, at least 24 px apart (colours
    from ``pattern``, the sensor's channel-index tile)."""
    p = len(pattern)
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
        return _CHANNEL_NAMES[pattern[y % p, x % p]]

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
            level = float(rng.uniform(0.2, 0.4) * SENSITIVITY[pattern[y % p, x % p]])
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


#: Adjacent pairs: offset of the second photosite, the first one's parity (row, column),
#: and the two strengths (1.0: full scale; below: an offset of that share of full scale).
#: On RGGB they give R-G, G-B (horizontal and vertical), R-B and G-G (diagonal).
PAIRS = [((1, 0), (0, 0), (1.0, 1.0)), ((1, 0), (1, 0), (0.45, 0.45)), ((0, 1), (0, 0), (1.0, 0.35)),
         ((0, 1), (0, 1), (0.35, 1.0)), ((1, 1), (0, 0), (0.6, 0.3)), ((1, 1), (0, 1), (0.5, 0.5))]
#: Developed (after white balance and the tone curve) values of stuck photosites.
STUCK_LEVELS = (0.15, 0.3, 0.5, 0.7, 0.9)


def plan_extra(rng: np.random.Generator, w: int, h: int, placed: list, *, pairs: bool,
               stuck_range: bool) -> list[SimulatedDefect]:  # fmt: skip
    """More defects beside ``placed`` (24 px from every other): the adjacent pairs of
    :data:`PAIRS` and stuck photosites at :data:`STUCK_LEVELS`."""
    out: list[SimulatedDefect] = []

    def free(x: int, y: int) -> bool:
        return all(abs(d.x - x) > 24 or abs(d.y - y) > 24 for d in placed + out)

    def spot(parity: tuple[int, int] = (0, 0)) -> tuple[int, int]:
        for _ in range(_PLACE_TRIES):
            x = int(rng.integers(12, w - 14)) // 2 * 2 + parity[1]
            y = int(rng.integers(12, h - 14)) // 2 * 2 + parity[0]
            if free(x, y) and free(x + 1, y + 1):
                return x, y
        raise _no_room(w, h)

    def chan(x: int, y: int) -> str:
        return _CHANNEL_NAMES[CFA_PATTERN[y % 2, x % 2]]

    if pairs:
        for (dx, dy), parity, levels in PAIRS:
            x, y = spot(parity)
            note = f"adjacent pair {chan(x, y)}{chan(x + dx, y + dy)}"
            for (px, py), level in zip(((x, y), (x + dx, y + dy)), levels, strict=True):
                out.append(SimulatedDefect(px, py, "hot", chan(px, py), 0, note, level))
    if stuck_range:
        for value in STUCK_LEVELS:
            x, y = spot((int(rng.integers(2)), int(rng.integers(2))))
            level = srgb_decode(value) * float(SENSITIVITY[CFA_PATTERN[y % 2, x % 2]])
            out.append(SimulatedDefect(x, y, "stuck", chan(x, y), 0, f"stuck at {value:.0%}", level))
    return out


def apply_defects(raw: np.ndarray, defects, frame: int, t_factor: float) -> None:
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
