"""The whole run in one call: plan, accumulate on an engine, decide, date.

:func:`find` is what ``hotpixels find`` does: it plans (each file once, headers only,
camera groups), accumulates every group on an engine (:mod:`hotpixels.engine`),
decides each group's defects (:mod:`hotpixels.detect`) and confirms their first dates
against earlier photos, and warm photosites' responses against a few photos, read again
through the same decoder. :func:`scan` stops after
the statistics.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from hotpixels.detect import confirm_first_seen, confirm_responses, detect_defects
from hotpixels.engine import (
    Engine,
    GroupStats,
    LocalEngine,
    ScanResult,
    bring_back_turned,
    confirm_headers,
    make_plan,
    run,
)
from hotpixels.errors import HotPixelsError, ImageWriteError
from hotpixels.io.decode import FileInfo, decode
from hotpixels.maps.formats import save_map
from hotpixels.maps.model import DefectMap
from hotpixels.stats import MIN_FRAMES, Accumulator

__all__ = ["FindResult", "GroupMap", "find", "map_paths", "scan"]

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
        """Write every map where :func:`map_paths` says; JSON, or CSV for a ``.csv`` name.

        Returns
        -------
        list of (GroupMap, Path)
            The groups whose maps were written, and where.

        Raises
        ------
        ImageWriteError
            When a target exists and ``overwrite`` is false (nothing is replaced).
        """
        decided = [gm for gm in self.maps if gm.dmap is not None]
        targets = list(zip(decided, map_paths(output, [gm.group.key.label() for gm in decided]),
                           strict=True))  # fmt: skip
        existing = [str(t) for _, t in targets if t.exists()]
        if existing and not overwrite:
            msg = f"{existing[0]}: exists; allow overwrite or choose another output"
            raise ImageWriteError(msg)
        for gm, target in targets:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                msg = f"{target.parent}: cannot create the folder of maps ({err.strerror or err})"
                raise ImageWriteError(msg) from err
            save_map(gm.dmap, target)
        return targets


def map_paths(output: str | Path, labels: list[str]) -> list[Path]:
    """Where the maps of cameras ``labels`` go.

    One map goes to ``output``. Several go into a folder, one file per camera named after
    it: ``output`` itself when it is a folder (or ends with a slash), else a folder of
    ``output``'s name without its extension (``defect-map.json`` -> ``defect-map/``).
    A folder ``output`` holds even a single map under the camera's name.

    Examples
    --------
    >>> [str(p) for p in map_paths("maps.json", ["Nikon D80 3872x2592"])]
    ['maps.json']
    >>> [str(p) for p in map_paths("maps.json", ["Nikon D80 3872x2592", "Apple iPhone 12 4032x3024"])]
    ['maps/Nikon-D80-3872x2592.json', 'maps/Apple-iPhone-12-4032x3024.json']
    """
    text = str(output)
    output = Path(output)
    is_folder = output.is_dir() or text.endswith(("/", os.sep))
    if len(labels) == 1 and not is_folder:
        return [output]
    folder = output if is_folder else output.with_suffix("")
    suffix = ".json" if is_folder else output.suffix or ".json"
    out, used = [], set()
    for label in labels:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-") or "camera"
        name, k = slug, 1
        while name in used:  # two groups with one label (say grey and colour exports)
            k += 1
            name = f"{slug}-{k}"
        used.add(name)
        out.append(folder / f"{name}{suffix}")
    return out


def _plan(paths, repeats: bool, decoder: str | None, progress):
    """The plan of ``paths`` with every group's headers confirmed by one decoded file,
    and its photos stored turned brought back to the sensor's frame (or left out)."""
    plan = make_plan(paths, repeats=repeats, progress=progress)
    plan = confirm_headers(plan, decoder=decoder, progress=progress)
    return bring_back_turned(plan, decoder=decoder, progress=progress)


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


def _reader(files: Sequence[FileInfo], decoder: str | None) -> Callable[[int], np.ndarray | None]:
    """Read ``files[i]`` again, as the statistics saw it (None if it fails now)."""

    def read(i: int) -> np.ndarray | None:
        try:
            return decode(files[i], prefer=decoder)
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
        confirm_first_seen(dmap, g.dates, _reader(g.ranked, decoder), workers=workers,
                           white=g.acc.white or None)  # fmt: skip
        failed = set(g.failed)
        added = [i for i in (*g.plan.files, *g.plan.turned) if i.path not in failed]
        confirm_responses(dmap, g.acc, _reader(added, decoder), len(added), workers=workers,
                          clipping=g.plan.strategy.clipping(g.plan.bits, g.plan.levels))  # fmt: skip
        log.info("%s: %d defect(s)", g.key.label(), len(dmap.defects))
        maps.append(GroupMap(g, dmap, None))
    maps.sort(key=lambda gm: (-len(gm.group.files), gm.group.key))
    return FindResult(result, maps)
