"""The demo: simulate a camera, find its defects, score them, repair a few photos, and
write the HTML report (with the ``report`` extra)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hotpixels.errors import MissingDependencyError
from hotpixels.io.images import read_frame
from hotpixels.maps.model import DefectMap
from hotpixels.pipeline import find
from hotpixels.progress import started
from hotpixels.repair.files import FixResult, fix_files
from hotpixels.report.html import write_report
from hotpixels.sim.camera import simulate
from hotpixels.sim.evaluate import Evaluation, evaluate

__all__ = ["DemoResult", "repair_error", "run_demo"]

log = logging.getLogger(__name__)


@dataclass
class DemoResult:
    """Paths and figures of a demo run."""

    folder: Path
    map_path: Path
    dmap: DefectMap
    evaluation: Evaluation
    fixed: FixResult
    error_before: float
    error_after: float
    report_path: Path | None = None  # None without the report extra


def repair_error(repaired: Path, clean: Path, pixels) -> tuple[float, float]:
    """Mean absolute error at ``pixels`` against the clean twin: (max over channels, mean).

    Parameters
    ----------
    repaired, clean : Path
        The repaired photo and its defect-free twin.
    pixels : list of (x, y)
        Where to compare.

    Returns
    -------
    (float, float)
        Largest and mean absolute difference, in levels, over pixels and channels.
    """
    a = read_frame(repaired).data.astype(np.int32)
    b = read_frame(clean).data.astype(np.int32)
    xs = np.array([p[0] for p in pixels])
    ys = np.array([p[1] for p in pixels])
    diff = np.abs(a[ys, xs] - b[ys, xs])
    return float(diff.max()), float(diff.mean())


def run_demo(
    out: str | Path = "hotpixels-demo",
    *,
    frames: int = 30,
    size: str = "1600x1200",
    seed: int = 7,
    repair: int = 3,
    progress: Callable[[Path | None, str | None], None] | None = None,
) -> DemoResult:
    """Simulate a camera, find its defects, evaluate them, and repair a few photos.

    Parameters
    ----------
    out : str or Path
        Folder for everything the demo writes.
    frames, size, seed : see :func:`hotpixels.sim.camera.simulate`
    repair : int
        Number of photos to repair.
    progress : callable, optional
        Called once per photo simulated and per photo read, with the path (None while
        simulating) and an error or None; its ``start(total, stage)``, if it has one,
        before each stage.

    Returns
    -------
    DemoResult
    """
    out = Path(out)
    photos = out / "photos"
    started(progress, frames, "simulating")
    sim = simulate(photos, frames=frames, size=size, seed=seed, clean=True,
                   progress=(lambda i: progress(None, None)) if progress else None)
    _, maps = find(sim.frames, progress=progress)
    _group, dmap, reason = maps[0]
    if dmap is None:  # pragma: no cover - the demo set always has enough frames
        raise RuntimeError(reason)
    map_path = out / "defect-map.json"
    dmap.save(map_path)
    evaluation = evaluate(dmap, sim.truth_path)
    targets = sim.frames[:repair]
    fixed = fix_files(dmap, targets, out_dir=out / "fixed", overwrite=True)
    pixels = dmap.repair_pixels()
    before = [repair_error(src, sim.clean_frames[i], pixels)[1] for i, src in enumerate(targets)]
    after = [repair_error(dst, sim.clean_frames[i], pixels)[1]
             for i, (_, dst, _, _) in enumerate(fixed.written)]  # fmt: skip
    try:
        report = write_report(dmap, out / "report.html", sim.frames)
    except MissingDependencyError as err:
        log.warning("no report: %s", err)
        report = None
    return DemoResult(out, map_path, dmap, evaluation, fixed,
                      float(np.mean(before)), float(np.mean(after)), report)  # fmt: skip
