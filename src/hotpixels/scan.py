"""Discover photos, group them by camera, and accumulate statistics in one pass.

Files are read in sorted order, one decoded frame at a time. Each frame joins the group
of its camera (EXIF Make, Model, BodySerialNumber, stored size, channels); frames of
another camera or size form another group, which the result reports. A frame whose
scene repeats one of the last few scenes of its group (a tripod burst, a time-lapse:
the same 1/32-scale luminance layout after normalising exposure) is counted once: it
is listed in ``Group.repeats`` and adds nothing to the statistics, so that forty frames
of one scene are one piece of evidence, not forty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hotpixels.defectmap import DefectMap
from hotpixels.detect import MIN_FRAMES, detect_defects
from hotpixels.errors import HotPixelsError
from hotpixels.io.metadata import CameraKey
from hotpixels.io.readers import iter_image_files, read_frame
from hotpixels.stats import Accumulator

__all__ = ["Group", "ScanResult", "discover", "find", "scan"]

#: A frame repeats a scene when its normalised thumbnails differ by less than this.
REPEAT_TOLERANCE = 0.04
_RECENT_SCENES = 8
_THUMB = 32


@dataclass
class Group:
    """Frames of one camera group and their statistics."""

    key: CameraKey
    acc: Accumulator = field(default_factory=Accumulator)
    files: list[Path] = field(default_factory=list)
    repeats: list[Path] = field(default_factory=list)
    _recent: list[np.ndarray] = field(default_factory=list, repr=False)


@dataclass
class ScanResult:
    """Everything a scan saw: groups (largest first) and the files it could not use."""

    groups: list[Group]
    failures: list[tuple[Path, str]]

    @property
    def n_read(self) -> int:
        """Number of frames decoded."""
        return sum(len(g.files) + len(g.repeats) for g in self.groups)


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders (recursively) into a sorted list of image files.

    Parameters
    ----------
    paths : iterable of str or Path
        Files are taken as given; folders contribute files ending in .jpg, .jpeg,
        .png, .tif or .tiff (any case), hidden files excluded.

    Returns
    -------
    files : list of Path
    failures : list of (Path, str)
        Paths that do not exist.
    """
    files: set[Path] = set()
    failures: list[tuple[Path, str]] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.update(f for f, _ in iter_image_files(p))
        elif p.is_file():
            files.add(p)
        else:
            failures.append((p, f"{p}: no such file or folder"))
    return sorted(files), failures


def _thumbnail(frame: np.ndarray) -> np.ndarray:
    h, w, _ = frame.shape
    hh, ww = max(h // _THUMB, 1), max(w // _THUMB, 1)
    crop = frame[: hh * _THUMB, : ww * _THUMB].astype(np.float32).mean(axis=2)
    small = crop.reshape(hh, _THUMB, ww, _THUMB).mean(axis=(1, 3))
    return small / max(float(small.mean()), 1e-6)


def _is_repeat(group: Group, thumb: np.ndarray) -> bool:
    for old in group._recent:
        if float(np.mean(np.abs(old - thumb))) < REPEAT_TOLERANCE:
            return True
    group._recent.append(thumb)
    del group._recent[:-_RECENT_SCENES]
    return False


def scan(
    paths: Iterable[str | Path],
    *,
    repeats: bool = True,
    progress: Callable[[Path, str | None], None] | None = None,
) -> ScanResult:
    """Read photos once and accumulate per-camera statistics.

    Parameters
    ----------
    paths : iterable of str or Path
        Files and folders (recursed).
    repeats : bool
        Count frames that repeat a recent scene once (default). ``False`` uses every frame.
    progress : callable, optional
        Called after each file with its path and an error message or None.

    Returns
    -------
    ScanResult
        Groups, largest first, and the files that failed (each with a one-line message).

    Examples
    --------
    >>> import tempfile
    >>> from hotpixels.simulate import simulate
    >>> sim = simulate(tempfile.mkdtemp(), frames=3, size="128x96", seed=2)
    >>> res = scan(sim.frames)
    >>> res.groups[0].acc.n, res.failures
    (3, [])
    """
    files, failures = discover(paths)
    groups: dict[CameraKey, Group] = {}
    for path in files:
        try:
            frame = read_frame(path)
        except HotPixelsError as err:
            failures.append((path, str(err)))
            if progress:
                progress(path, str(err))
            continue
        key = frame.info.camera
        group = groups.setdefault(key, Group(key))
        if repeats and _is_repeat(group, _thumbnail(frame.data)):
            group.repeats.append(path)
        else:
            group.acc.update(frame.data, taken=frame.info.taken)
            group.files.append(path)
        if progress:
            progress(path, None)
    ordered = sorted(groups.values(), key=lambda g: (-len(g.files), g.key))
    return ScanResult(ordered, failures)


def find(
    paths: Iterable[str | Path],
    *,
    top: int = 0,
    repeats: bool = True,
    progress: Callable[[Path, str | None], None] | None = None,
    **detect_kwargs,
) -> tuple[ScanResult, list[tuple[Group, DefectMap | None, str | None]]]:
    """Scan photos and detect the defects of every camera group.

    Parameters
    ----------
    paths : iterable of str or Path
        Files and folders.
    top : int
        Also keep the ``top`` strongest candidates below the decision line.
    repeats : bool
        See :func:`scan`.
    progress : callable, optional
        See :func:`scan`.
    **detect_kwargs
        Passed to :func:`hotpixels.detect.detect_defects`.

    Returns
    -------
    result : ScanResult
    maps : list of (Group, DefectMap or None, str or None)
        One entry per group; the map is None with a reason when the group has fewer
        than 5 distinct photos.
    """
    result = scan(paths, repeats=repeats, progress=progress)
    maps = []
    for g in result.groups:
        if g.acc.n < MIN_FRAMES:
            reason = (
                f"{g.key.label()}: only {g.acc.n} distinct photo(s); "
                f"at least {MIN_FRAMES} are needed to decide"
            )
            maps.append((g, None, reason))
            continue
        dmap = detect_defects(g.acc, top=top, camera=g.key, **detect_kwargs)
        maps.append((g, dmap, None))
    return result, maps

