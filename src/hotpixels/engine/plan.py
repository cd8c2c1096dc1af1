"""Planning a run: which files, read once each, fall into which camera groups.

Every file's header is read first (camera, size, capture time; no pixels), which sorts
the files into camera groups: EXIF Make, Model, BodySerialNumber, stored size, channels,
bit depth and frame kind. Within a group the files stay in sorted path order (the order
in which they are accumulated, which makes repeats of a scene a function of the files
alone) and are ranked by capture date (for first dates). An engine
(:func:`hotpixels.engine.run`) turns a plan into statistics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from hotpixels.errors import HotPixelsError, NoInputError, ParameterError
from hotpixels.frames import FrameKind, FrameStrategy
from hotpixels.io.decode import FileInfo, decode, probe
from hotpixels.io.discover import discover
from hotpixels.io.metadata import CameraKey
from hotpixels.progress import started
from hotpixels.stats import MAX_FRAMES

__all__ = ["GroupPlan", "Plan", "confirm_headers", "make_plan", "record_failure"]


@dataclass(frozen=True)
class GroupPlan:
    """The files of one camera group, in accumulation order (sorted paths).

    ``turned`` holds the group's photos stored turned a quarter, until
    :func:`hotpixels.engine.turned.bring_back_turned` finds which way (they are ranked
    by date with the others).
    """

    key: CameraKey
    bits: int
    files: tuple[FileInfo, ...]
    turned: tuple[FileInfo, ...] = ()

    @property
    def strategy(self) -> FrameStrategy:
        """How this group's frames are analysed (:mod:`hotpixels.frames`)."""
        return self.files[0].strategy

    @property
    def shape(self) -> tuple[int, int, int]:
        """Shape of a decoded frame, ``(M, N, C)``."""
        return self.files[0].shape

    @property
    def levels(self) -> tuple[int, int] | None:
        """RAW black and white level (lowest black, highest white of the files), or None."""
        levels = [i.levels for i in self.files if i.levels]
        return (min(v[0] for v in levels), max(v[1] for v in levels)) if levels else None

    @property
    def ranked(self) -> list[FileInfo]:
        """The dated files (turned ones too) by capture date (their ``rank``)."""
        return sorted((i for i in (*self.files, *self.turned) if i.rank is not None),
                      key=lambda i: i.rank)  # fmt: skip

    @property
    def dates(self) -> list:
        """Capture dates of the dated files, by rank."""
        return [i.taken for i in self.ranked]

    def with_files(self, files, turned=()) -> GroupPlan:
        """This group holding ``files`` (in accumulation order) and ``turned``, ranked
        anew by capture date among them all."""
        ranked = _ranked([*files, *turned])
        return replace(self, files=tuple(ranked[: len(files)]), turned=tuple(ranked[len(files) :]))


@dataclass
class Plan:
    """What a run will read: camera groups, and the paths it cannot use."""

    groups: list[GroupPlan]
    failures: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # earlier outputs of fix, left out
    repeats: bool = True  # count frames that repeat a recent scene once
    others: int = 0  # files in the folders that are no photos
    duplicates: int = 0  # paths that named a file already planned

    @property
    def n_files(self) -> int:
        """Files in the groups."""
        return sum(len(g.files) for g in self.groups)


#: What :func:`_copy_of` says of a photo stored turned a quarter.
_TURNED = "turned"


def record_failure(failures: list, progress, path: Path, message: str) -> None:
    """Record that ``path`` cannot be used, and tell ``progress``."""
    failures.append((path, message))
    if progress:
        progress(path, message)


def _ranked(infos: list[FileInfo]) -> list[FileInfo]:
    """``infos`` (in their order) with their ``rank`` among them by capture date."""
    dated = sorted((i for i in infos if i.taken), key=lambda i: (i.taken, str(i.path)))
    ranks = {i.path: r for r, i in enumerate(dated)}
    return [replace(i, rank=ranks.get(i.path)) for i in infos]


def _copy_of(key: CameraKey, other: CameraKey) -> str:
    """Why photos of ``key`` are no frames of ``other``'s sensor as stored ('' when they
    are another group): the same camera's photos turned a quarter (``_TURNED``), or
    scaled down (a resized export)."""
    same = (key.make, key.model, key.serial, key.frame) == (other.make, other.model, other.serial,
                                                            other.frame)  # fmt: skip
    if not same or not (key.make or key.model) or key == other:
        return ""
    if (key.width, key.height) == (other.height, other.width) and key.frame is FrameKind.IMAGE:
        return _TURNED
    if key.width < other.width and key.width * other.height == key.height * other.width:
        return (f"a resized copy ({key.width}x{key.height}) of its camera's {other.width}x"
                f"{other.height} photos: its pixels cannot be mapped back to the sensor")  # fmt: skip
    return ""


def _leave_out_copies(grouped: dict, failures: list, progress) -> tuple[dict, dict]:
    """Take out the groups whose photos are turned or resized copies of a larger group of
    the same camera, so that no such group gets a map of its own: turned photos go with
    that group (``turned``, by its key), resized ones are left out (said per file)."""
    keys = sorted(grouped, key=lambda k: (-len(grouped[k]), k[0]))
    out: dict = {}
    turned: dict = {}
    for k in keys:
        parent = next((p for p in out if _copy_of(k[0], p[0]) and len(grouped[p]) >= len(grouped[k])), None)
        if parent is None:
            out[k] = grouped[k]
            continue
        why = _copy_of(k[0], parent[0])
        if why == _TURNED:
            turned.setdefault(parent, []).extend(grouped[k])
            continue
        for info in grouped[k]:
            record_failure(failures, progress, info.path, f"{info.path}: {why}")
    return {k: grouped[k] for k in grouped if k in out}, turned


def make_plan(
    paths: Iterable[str | Path],
    *,
    repeats: bool = True,
    progress: Callable[[Path, str | None], None] | None = None,
) -> Plan:
    """Find the photos under ``paths``, read their headers and group them by camera.

    Parameters
    ----------
    paths : iterable of str or Path
        Files and folders (recursed; earlier outputs of ``fix`` left out).
    repeats : bool
        Count frames that repeat a recent scene once (the engine's job).
    progress : callable, optional
        ``progress(path, error)`` for each file whose header cannot be read; its
        ``start(total, "reading")``, if it has one, is told how many files were found.

    Returns
    -------
    Plan

    Raises
    ------
    NoInputError
        When the paths hold no photo at all.
    ParameterError
        When one group holds more frames than an accumulator can.

    Examples
    --------
    >>> import tempfile
    >>> from hotpixels.sim.camera import simulate
    >>> sim = simulate(tempfile.mkdtemp(), frames=3, size="256x192", seed=2)
    >>> plan = make_plan(sim.frames)
    >>> len(plan.groups), plan.groups[0].shape
    (1, (192, 256, 3))
    """
    paths = list(paths)
    seen = discover(paths)
    found, failures = seen.files, seen.failures
    if not found:
        msg = f"no image files found in {', '.join(map(str, paths))}"
        raise NoInputError(msg)
    started(progress, len(found), "reading")
    grouped: dict[tuple[CameraKey, int], list[FileInfo]] = {}
    known: dict = {}  # RAW patterns and levels, one unpack per camera
    for path, _, _ in found:
        try:
            info = probe(path, known)
        except HotPixelsError as err:
            record_failure(failures, progress, path, str(err))
            continue
        grouped.setdefault((info.key, info.bits), []).append(info)
    grouped, turned = _leave_out_copies(grouped, failures, progress)
    groups = []
    for (key, bits), infos in grouped.items():
        extra = turned.get((key, bits), [])
        if len(infos) + len(extra) > MAX_FRAMES:
            msg = (f"{key.label()}: {len(infos) + len(extra)} photos, more than {MAX_FRAMES} in "
                   "one group; run on parts of the archive")  # fmt: skip
            raise ParameterError(msg)
        groups.append(GroupPlan(key, bits, ()).with_files(infos, extra))
    return Plan(groups, failures, seen.fix_outputs, repeats, seen.others, seen.duplicates)


def confirm_headers(plan: Plan, *, decoder: str | None = None,
                    progress: Callable[[Path, str | None], None] | None = None) -> Plan:  # fmt: skip
    """A plan whose every group has one file known to decode to the size its headers claim.

    Memory for a group's statistics is sized from its headers, so before any is
    allocated one file of each group is decoded: files that fail until one decodes are
    reported and leave the group (a group of lying headers goes whole, costing nothing).

    Returns
    -------
    Plan
        The same plan, less those files; the failures are added to it.
    """
    groups, failures = [], list(plan.failures)
    for group in plan.groups:
        files = list(group.files)
        while files:
            try:
                decode(files[0], prefer=decoder)
                break
            except HotPixelsError as err:
                record_failure(failures, progress, files[0].path, str(err))
                files.pop(0)
        if len(files) < len(group.files):  # ranks without the files that are gone
            group = group.with_files(files, group.turned)
        if files:
            groups.append(group)
    return replace(plan, groups=groups, failures=failures)
