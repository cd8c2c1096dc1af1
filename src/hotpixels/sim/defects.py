"""The simulated defects: where they sit on the mosaic, and what they do to each frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hotpixels.errors import ParameterError
from hotpixels.sim.sensor import CFA_PATTERN, SENSITIVITY

__all__ = ["SimulatedDefect", "apply_defects", "plan_defects"]

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


def plan_defects(rng: np.random.Generator, w: int, h: int, n_frames: int):
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
            level = float(rng.uniform(0.2, 0.4) * SENSITIVITY[CFA_PATTERN[y % 2, x % 2]])
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
