"""Crops of the report: each defect where it shows most, as it is and repaired.

For a photo map the photos are read as stored (the map's frame) and repaired with
:func:`hotpixels.repair.pixels.correct_pixels`; for a RAW map the mosaic is read,
repaired with :func:`hotpixels.repair.pixels.repair_mosaic` and developed by LibRaw
both ways. Photos of another size are passed over (they are not this map's camera or
frame); unreadable ones are logged and passed over.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hotpixels.errors import HotPixelsError
from hotpixels.frames import FrameKind
from hotpixels.maps.model import Defect, DefectMap
from hotpixels.mosaic import period_of
from hotpixels.repair.pixels import correct_pixels, repair_mosaic

__all__ = ["HALF", "MAX_PHOTOS", "Crop", "defect_crops"]

log = logging.getLogger(__name__)

#: Half size of a crop (15 x 15 pixels).
HALF = 7
#: Photos looked at to find where each defect shows most (evenly spread over the list).
MAX_PHOTOS = 24


@dataclass
class Crop:
    """One defect's crop: ``before`` and ``after`` (uint8 RGB), the repaired pixels in
    crop coordinates, and the photo it comes from."""

    defect: Defect
    photo: Path
    before: np.ndarray
    after: np.ndarray
    repaired: list[tuple[int, int]]


def _spread(photos: Sequence[Path], n: int) -> list[Path]:
    if len(photos) <= n:
        return list(photos)
    return [photos[int(i)] for i in np.linspace(0, len(photos) - 1, n).round()]


def _read(path: Path, raw: bool) -> np.ndarray:
    """The photo's values as analysed: RGB (or grey) as stored, or the RAW mosaic."""
    if raw:
        from hotpixels.io.raw import read_mosaic

        return read_mosaic(path)[0][..., None]
    from hotpixels.io.images import read_frame

    return read_frame(path).data


def _shows(data: np.ndarray, d: Defect, step: int) -> float:
    """How far the defect's value stands from its 8 neighbours (``step`` apart) here."""
    m, n, _ = data.shape
    y, x = d.y, d.x
    if not (step <= y < m - step and step <= x < n - step):
        return 0.0
    ring = [data[y + dy, x + dx].astype(np.float64) for dy in (-step, 0, step) for dx in (-step, 0, step)
            if (dy, dx) != (0, 0)]  # fmt: skip
    return float(np.abs(data[y, x] - np.mean(ring, axis=0)).max())


def _to8(a: np.ndarray) -> np.ndarray:
    a = a if a.ndim == 3 else a[..., None]
    if a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    if a.dtype == np.uint16:
        return (a >> 8).astype(np.uint8)
    return a[..., :3].astype(np.uint8)


def _cut(img: np.ndarray, d: Defect, pixels: list[tuple[int, int]]):
    m, n = img.shape[:2]
    y0, x0 = max(d.y - HALF, 0), max(d.x - HALF, 0)
    y1, x1 = min(d.y + HALF + 1, m), min(d.x + HALF + 1, n)
    inside = [(x - x0, y - y0) for x, y in pixels if x0 <= x < x1 and y0 <= y < y1]
    return img[y0:y1, x0:x1], inside


def _developed(path: Path, dmap: DefectMap) -> tuple[np.ndarray, np.ndarray]:
    """The RAW file developed as it is, and repaired as ``fix`` repairs it."""
    from hotpixels.io.raw import develop

    pixels, responses = dmap.repair_pixels(), dmap.responses()
    before = develop(path)
    after = develop(path, prepare=lambda mosaic: repair_mosaic(mosaic, pixels, in_place=True,
                                                               responses=responses, cfa=dmap.cfa))
    return before, after


def defect_crops(dmap: DefectMap, photos: Sequence[str | Path], limit: int) -> list[Crop]:
    """Crops of the ``limit`` strongest defects, each from the photo where it shows most.

    Parameters
    ----------
    dmap : DefectMap
    photos : sequence of path
        Photos (or RAW files, for a RAW map) of the map's camera.
    limit : int
        Most defects to crop.

    Returns
    -------
    list of Crop
        Strongest first; defects no photo of the map's size shows are left out.
    """
    raw = dmap.frame is FrameKind.RAW
    chosen = sorted(dmap.defects, key=lambda d: (-d.score, d.y, d.x))[:limit]
    pixels = dmap.repair_pixels()
    best: dict[int, tuple[float, Path]] = {}
    # A photosite is compared with those of its colour one tile away (a photo's pixel with its neighbours).
    step = period_of(dmap.cfa) if raw else 1
    for path in _spread([Path(p) for p in photos], MAX_PHOTOS):
        try:
            data = _read(path, raw)
        except HotPixelsError as err:
            log.warning("%s", err)
            continue
        if data.shape[:2] != (dmap.height, dmap.width):
            log.info("%s: %dx%d, not the map's size; not used for crops", path, data.shape[1], data.shape[0])
            continue
        for i, d in enumerate(chosen):
            shows = _shows(data, d, step)
            if shows > best.get(i, (-1.0, path))[0]:
                best[i] = (shows, path)
    out: dict[int, Crop] = {}
    for path in sorted({p for _, p in best.values()}):
        wanted = [i for i, (_, p) in best.items() if p == path]
        if raw:
            before, after = _developed(path, dmap)
            if before.shape[:2] != (dmap.height, dmap.width):
                log.info("%s: developed to another size; no RAW crops", path)
                continue
        else:
            before = _read(path, raw)
            near = {p for i in wanted for p in pixels if abs(p[0] - chosen[i].x) <= HALF + 2
                    and abs(p[1] - chosen[i].y) <= HALF + 2}  # fmt: skip
            after = correct_pixels(before, sorted(near))
        for i in wanted:
            b, inside = _cut(before, chosen[i], pixels)
            a, _ = _cut(after, chosen[i], pixels)
            out[i] = Crop(chosen[i], path, _to8(b), _to8(a), inside)
    return [out[i] for i in sorted(out)]
