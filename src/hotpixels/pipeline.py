"""The whole run in one call: plan, accumulate on an engine, decide, date.

:func:`find` is what ``hotpixels find`` does: it plans (each file once, headers only,
camera groups), accumulates every group on an engine (:mod:`hotpixels.engine`),
decides each group's defects (:mod:`hotpixels.detect`) and confirms their first dates
against earlier photos, read again through the same decoder. :func:`scan` stops after
the statistics.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from hotpixels.detect import confirm_first_seen, detect_defects
from hotpixels.engine import Engine, GroupStats, LocalEngine, ScanResult, confirm_headers, make_plan, run
from hotpixels.errors import HotPixelsError, ImageWriteError
from hotpixels.io.decode import decode
from hotpixels.maps.formats import save_map
from hotpixels.maps.model import DefectMap
from hotpixels.stats import MIN_FRAMES, Accumulator

__all__ = ["FindResult", "GroupMap", "find", "map_path", "scan"]

log = logging.getLogger(__name__)


class GroupMap(NamedTuple):
    """One camera group's outcome: its statistics, its map, or why there is none."""

    group: GroupStats
    dmap: DefectMap | None
    reason: str | None


class FindResult(NamedTuple):
    """What :func:`find` returns (unpacks as ``scan, maps``)."""

    scan: ScanResult
    maps: list[GroupMap]

    def save(self, output: str | Path, *, overwrite: bool = False) -> list[tuple[GroupMap, Path]]:
        """Write every map: the largest group's to ``output``, the others beside it with
        the camera in the name (:func:`map_path`); JSON, or CSV for a ``.csv`` name.

        Returns
        -------
        list of (GroupMap, Path)
            The groups whose maps were written, and where.

        Raises
        ------
        ImageWriteError
            When a target exists and ``overwrite`` is false (nothing is replaced).
        """
        targets = [(gm, map_path(Path(output), i, gm.group.key.label()))
                   for i, gm in enumerate(self.maps) if gm.dmap is not None]  # fmt: skip
        existing = [str(t) for _, t in targets if t.exists()]
        if existing and not overwrite:
            msg = f"{existing[0]}: exists; allow overwrite or choose another output"
            raise ImageWriteError(msg)
        for gm, target in targets:
            save_map(gm.dmap, target)
        return targets


def map_path(base: Path, index: int, label: str) -> Path:
    """Where group ``index``'s map goes: ``base`` for the first, else ``base`` with the
    camera's label in the name (``map-Canon-EOS-R-6000x4000.json``)."""
    if index == 0:
        return base
    slug = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-")
    return base.with_name(f"{base.stem}-{slug}{base.suffix}")


def _plan(paths, repeats: bool, decoder: str | None, progress):
    """The plan of ``paths`` with every group's headers confirmed by one decoded file."""
    return confirm_headers(make_plan(paths, repeats=repeats, progress=progress), decoder=decoder,
                           progress=progress)  # fmt: skip


def scan(
    paths: Iterable[str | Path],
    *,
    repeats: bool = True,
    workers: int = 1,
    decoder: str | None = None,
    engine: Engine | None = None,
    progress: Callable[[Path, str | None], None] | None = None,
) -> ScanResult:
    """Read photos once and accumulate per-camera statistics.

    Parameters
    ----------
    paths : iterable of str or Path
        Files and folders (recursed).
    repeats : bool
        Count frames that repeat a recent scene once (default). ``False`` uses every frame.
    workers : int
        Worker processes of the default engine (1: in this process).
    decoder : {"simplejpeg", "pillow"}, optional
        Force a JPEG decoder; default the fastest installed. The result does not depend on it.
    engine : Engine, optional
        Where to accumulate; default ``LocalEngine(workers, decoder)``.
    progress : callable, optional
        Called after each file with its path and an error message or None.

    Returns
    -------
    ScanResult
        Groups, largest first, and the files that failed (each with a one-line message).

    Examples
    --------
    >>> import tempfile
    >>> from hotpixels.sim.camera import simulate
    >>> sim = simulate(tempfile.mkdtemp(), frames=3, size="256x192", seed=2)
    >>> res = scan(sim.frames)
    >>> res.groups[0].acc.n, res.failures
    (3, [])
    """
    plan = _plan(paths, repeats, decoder, progress)
    log.info("%d file(s) in %d camera group(s), %d unreadable", plan.n_files, len(plan.groups),
             len(plan.failures))  # fmt: skip
    return run(plan, engine or LocalEngine(workers, decoder), progress=progress)


def _reader(group: GroupStats, decoder: str | None) -> Callable[[int], np.ndarray | None]:
    """Read the group's frame of capture-date rank ``r`` again (None if it fails now)."""

    def read(rank: int) -> np.ndarray | None:
        try:
            return decode(group.ranked[rank], prefer=decoder)
        except HotPixelsError:
            return None

    return read


def find(
    paths: Iterable[str | Path],
    *,
    top: int = 0,
    repeats: bool = True,
    workers: int = 1,
    decoder: str | None = None,
    engine: Engine | None = None,
    progress: Callable[[Path, str | None], None] | None = None,
    **detect_kwargs,
) -> FindResult:
    """Scan photos and detect the defects of every camera group.

    Parameters
    ----------
    paths : iterable of str or Path
        Files and folders.
    top : int
        Also keep the ``top`` strongest candidates below the decision line.
    repeats, workers, decoder, engine, progress
        See :func:`scan`.
    **detect_kwargs
        Passed to :func:`hotpixels.detect.detect_defects`.

    Returns
    -------
    FindResult
        ``(scan, maps)``: one :class:`GroupMap` per group; its map is None, with a
        reason, when the group has fewer than 5 distinct photos.
    """
    plan = _plan(paths, repeats, decoder, progress)
    # A group of fewer files than a decision needs gets no statistics (nor memory).
    small = [g for g in plan.groups if len(g.files) < MIN_FRAMES]
    plan = replace(plan, groups=[g for g in plan.groups if len(g.files) >= MIN_FRAMES])
    log.info("%d file(s) in %d camera group(s) to decide, %d too small, %d unreadable", plan.n_files,
             len(plan.groups), len(small), len(plan.failures))  # fmt: skip
    result = run(plan, engine or LocalEngine(workers, decoder), progress=progress)
    maps = [GroupMap(GroupStats(g, Accumulator(), [i.path for i in g.files]), None,
                     f"{g.key.label()}: only {len(g.files)} photo(s); at least {MIN_FRAMES} are "
                     "needed to decide") for g in small]  # fmt: skip
    for g in result.groups:
        if g.acc.n < MIN_FRAMES:
            reason = (f"{g.key.label()}: only {g.acc.n} distinct photo(s); "
                      f"at least {MIN_FRAMES} are needed to decide")  # fmt: skip
            maps.append(GroupMap(g, None, reason))
            continue
        dmap = detect_defects(g.acc, top=top, camera=g.key, workers=workers, dates=g.dates,
                              **detect_kwargs)  # fmt: skip
        confirm_first_seen(dmap, g.dates, _reader(g, decoder), workers=workers)
        log.info("%s: %d defect(s)", g.key.label(), len(dmap.defects))
        maps.append(GroupMap(g, dmap, None))
    maps.sort(key=lambda gm: (-len(gm.group.files), gm.group.key))
    return FindResult(result, maps)
