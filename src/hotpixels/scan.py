"""Discover photos, group them by camera, and accumulate statistics in one pass.

Every file's header is read first (camera, size, capture time; no pixels), which sorts
the files into camera groups: EXIF Make, Model, BodySerialNumber, stored size, channels
and bit depth. Then each group's files are decoded once, in sorted order, and added to
the group's statistics, on a process pool (:mod:`hotpixels.parallel`) or in-process;
the statistics are the same either way. A frame whose scene repeats one of the 8 frames
before it in its group (a tripod burst, a time-lapse: the same 1/32-scale brightness
layout after normalising exposure) is counted once: it is listed in ``Group.repeats``
and adds nothing, so that forty frames of one scene are one piece of evidence, not forty.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from hotpixels import _kernels
from hotpixels.defectmap import DefectMap
from hotpixels.detect import MIN_FRAMES, detect_defects, subpixel_of
from hotpixels.errors import HotPixelsError, ParameterError
from hotpixels.io.decode import FileInfo, decode, probe
from hotpixels.io.metadata import CameraKey
from hotpixels.io.raw import RAW_SUFFIXES
from hotpixels.io.readers import iter_image_files
from hotpixels.parallel import REPEAT_TOLERANCE, chunks_of, pool_plan, run_chunks, state_files
from hotpixels.stats import _MAX_FRAMES, Accumulator, frame_threshold

__all__ = ["REPEAT_TOLERANCE", "Group", "ScanResult", "default_workers", "discover", "find", "scan"]

#: Photos before a first date that are decoded again to confirm it (evenly spread).
CONFIRM_FRAMES = 16


def default_workers() -> int:
    """Number of worker processes by default: the cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return max(os.cpu_count() or 1, 1)


@dataclass
class Group:
    """Frames of one camera group and their statistics."""

    key: CameraKey
    acc: Accumulator = field(default_factory=Accumulator)
    files: list[Path] = field(default_factory=list)
    repeats: list[Path] = field(default_factory=list)
    ranked: list = field(default_factory=list)  # the group's dated files, by capture date

    @property
    def dates(self) -> list:
        """Capture dates of the group's dated files, by rank."""
        return [i.taken if i is not None else None for i in self.ranked]


@dataclass
class ScanResult:
    """Everything a scan saw: groups (largest first) and the files it could not use."""

    groups: list[Group]
    failures: list[tuple[Path, str]]
    workers: int = 1  # processes that decoded (see hotpixels.parallel.pool_plan)
    skipped: list[Path] = field(default_factory=list)  # earlier outputs of fix, left out

    @property
    def n_read(self) -> int:
        """Number of frames decoded."""
        return sum(len(g.files) + len(g.repeats) for g in self.groups)


def is_fix_output(path: Path, prefix: str = "c_") -> bool:
    """Whether a file is an earlier output of ``hotpixels fix`` beside its input
    (``c_NAME`` next to ``NAME``, or ``c_STEM.tif`` next to the RAW file ``STEM.*``)."""
    name = path.name
    if not name.startswith(prefix) or len(name) <= len(prefix):
        return False
    original = path.with_name(name[len(prefix) :])
    if original.exists():
        return True
    return path.suffix.lower() == ".tif" and any(
        path.with_name(original.stem + ext).exists() or
        path.with_name(original.stem + ext.upper()).exists() for ext in RAW_SUFFIXES)


def discover(paths: Iterable[str | Path], skipped: list | None = None
             ) -> tuple[list[Path], list[tuple[Path, str]]]:  # fmt: skip
    """Expand files and folders (recursively) into a sorted list of image files.

    Parameters
    ----------
    paths : iterable of str or Path
        Files are taken as given; folders contribute files ending in .jpg, .jpeg,
        .png, .tif or .tiff and camera RAW endings (.dng, .cr2, .nef, ...; any case),
        hidden files excluded, and so are earlier outputs of ``hotpixels fix`` beside
        their inputs (:func:`is_fix_output`): a repaired copy is no new photo.
    skipped : list, optional
        Receives the outputs of ``fix`` that were left out.

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
            for f, _ in iter_image_files(p):
                if is_fix_output(f):
                    if skipped is not None:
                        skipped.append(f)
                else:
                    files.add(f)
        elif p.is_file():
            files.add(p)
        else:
            failures.append((p, f"{p}: no such file or folder"))
    return sorted(files), failures


def probe_all(
    files: Iterable[Path], failures: list, progress: Callable[[Path, str | None], None] | None = None
) -> dict[tuple[CameraKey, int], list[FileInfo]]:
    """Read every file's header and group the files (sorted) by camera and bit depth."""
    groups: dict[tuple[CameraKey, int], list[FileInfo]] = {}
    known: dict = {}  # RAW patterns and levels, one unpack per camera
    for path in files:
        try:
            info = probe(path, known)
        except HotPixelsError as err:
            failures.append((path, str(err)))
            if progress:
                progress(path, str(err))
            continue
        groups.setdefault((info.key, info.bits), []).append(info)
    for group_key, infos in groups.items():
        key = group_key[0]
        dated = sorted((i for i in infos if i.taken), key=lambda i: (i.taken, str(i.path)))
        ranks = {i.path: r for r, i in enumerate(dated)}
        groups[group_key] = [replace(i, rank=ranks.get(i.path)) for i in infos]
        if len(infos) > _MAX_FRAMES:
            msg = (f"{key.label()}: {len(infos)} photos, more than {_MAX_FRAMES} in one group; "
                   "run find on parts of the archive")  # fmt: skip
            raise ParameterError(msg)
    return groups


def scan(
    paths: Iterable[str | Path],
    *,
    repeats: bool = True,
    workers: int = 1,
    decoder: str | None = None,
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
        Worker processes (1: in this process). The result does not depend on it.
    decoder : {"simplejpeg", "pillow"}, optional
        Force a JPEG decoder; default the fastest installed. The result does not depend on it.
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
    skipped: list[Path] = []
    files, failures = discover(paths, skipped)
    infos = probe_all(files, failures, progress)
    groups: list[Group] = []
    with state_files(infos) as states:
        chunks = chunks_of(infos, states, repeats=repeats, workers=workers)

        def report(chunk, result) -> None:
            for out in result.outcomes:
                if progress:
                    progress(out.info.path, out.error)

        used = pool_plan(chunks, workers)[1]
        results = run_chunks(chunks, workers=workers, prefer=decoder, on_result=report)
        outcomes = [o for r in results if r.index >= 0 for o in r.outcomes]
        for (key, _), state in states.items():
            mine = [o for o in outcomes if o.info.key == key and o.info.bits == state.bits]
            acc = state.open()
            levels = [o.info.levels for o in mine if o.info.levels]
            if levels:  # RAW: black and white level (the first file of the camera's)
                acc.black, acc.white = min(v[0] for v in levels), max(v[1] for v in levels)
            by_rank = {o.info.rank: o.info for o in mine if o.info.rank is not None}
            ranked = [by_rank.get(r) for r in range(max(by_rank) + 1)] if by_rank else []
            group = Group(key, acc, ranked=ranked)
            for o in mine:
                if o.status == "failed":
                    failures.append((o.info.path, o.error))
                elif o.status == "repeat":
                    group.repeats.append(o.info.path)
                else:
                    group.files.append(o.info.path)
                    acc.note(taken=o.info.taken)
            if group.files or group.repeats:
                groups.append(group)
        failures += [(o.info.path, o.error) for r in results if r.index < 0
                     for o in r.outcomes if o.status == "failed"]  # fmt: skip
    ordered = sorted(groups, key=lambda g: (-len(g.files), g.key))
    return ScanResult(ordered, sorted(failures), used, sorted(skipped))


def confirm_first_seen(group: Group, dmap: DefectMap, *, decoder: str | None = None,
                       workers: int = 1) -> None:  # fmt: skip
    """Drop a ``first_seen`` date when the photos before it show the defect after all.

    The state keeps only the first *strong* showing (6 sigmas); a weak defect may have
    shown more faintly before. Photos dated before each dated defect are decoded again
    (at most :data:`CONFIRM_FRAMES` of them, evenly spread, so the cost does not grow
    with the archive; ``workers`` at a time, on threads: the decoders release the
    GIL), and if the defect stood out in at least 2 of them and a fifth (its residual
    beyond the frame's noise threshold and half its mean excess, with its sign), it was
    there: the date is removed.
    """
    dated = [d for d in dmap.defects if d.first_seen is not None]
    if not dated:
        return
    points = {id(d): subpixel_of(d, dmap.frame) for d in dated}
    before = {id(d): _spread(group.dates.index(d.first_seen), CONFIRM_FRAMES) for d in dated}
    looked = dict.fromkeys(points, 0)
    shown = dict.fromkeys(points, 0)

    def load(rank: int):
        info = group.ranked[rank]
        try:
            frame = None if info is None else decode(info, prefer=decoder)
        except HotPixelsError:
            frame = None
        return rank, frame, None if frame is None else frame_threshold(frame)

    ranks = sorted(set().union(*before.values()))
    batch = max(1, workers)
    with ThreadPoolExecutor(batch) as pool:
        for i in range(0, len(ranks), batch):  # a batch at a time: memory stays bounded
            for rank, frame, threshold in pool.map(load, ranks[i : i + batch]):
                for d in dated:
                    key = id(d)
                    if frame is None or rank not in before[key]:
                        continue
                    y, x, c = points[key]
                    r = int(_kernels.band_residual(frame, y, y + 1)[0, x, c])
                    sign = 1 if (d.excess or 0) >= 0 else -1
                    # r is 8x the excess over the neighbours: beyond the noise and half
                    # of the defect's mean excess
                    looked[key] += 1
                    shown[key] += sign * r > max(threshold, 4 * abs(d.excess or 0))
    for d in dated:
        if shown[id(d)] >= max(2, 0.2 * looked[id(d)]):
            d.first_seen = None


def _spread(n: int, k: int) -> set[int]:
    """At most ``k`` of ``range(n)``, evenly spread, first and last included."""
    if n <= k:
        return set(range(n))
    return {round(i * (n - 1) / (k - 1)) for i in range(k)}


def find(
    paths: Iterable[str | Path],
    *,
    top: int = 0,
    repeats: bool = True,
    workers: int = 1,
    decoder: str | None = None,
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
    repeats, workers, decoder, progress
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
    result = scan(paths, repeats=repeats, workers=workers, decoder=decoder, progress=progress)
    maps = []
    for g in result.groups:
        if g.acc.n < MIN_FRAMES:
            reason = (
                f"{g.key.label()}: only {g.acc.n} distinct photo(s); "
                f"at least {MIN_FRAMES} are needed to decide"
            )
            maps.append((g, None, reason))
            continue
        dmap = detect_defects(g.acc, top=top, camera=g.key, workers=workers, dates=g.dates,
                              **detect_kwargs)  # fmt: skip
        confirm_first_seen(g, dmap, decoder=decoder, workers=workers)
        maps.append((g, dmap, None))
    return result, maps

