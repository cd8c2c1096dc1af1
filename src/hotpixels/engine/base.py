"""What every engine returns, and the one way a group's statistics are finished.

An engine turns a :class:`~hotpixels.engine.plan.Plan` into one accumulator per group
(chunks, then their states combined); :func:`finalize` then counts the frames that
were added, records their capture times, sets a RAW group's black and white levels and
sorts the files into added, repeats and failures, so that no caller has to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hotpixels.engine.chunks import Outcome, Status
from hotpixels.engine.plan import GroupPlan
from hotpixels.io.decode import FileInfo
from hotpixels.io.metadata import CameraKey
from hotpixels.stats import Accumulator

__all__ = ["GroupStats", "ScanResult", "finalize"]


@dataclass
class GroupStats:
    """The finished statistics of one camera group."""

    plan: GroupPlan
    acc: Accumulator
    files: list[Path] = field(default_factory=list)  # frames added
    repeats: list[Path] = field(default_factory=list)  # frames of a scene already counted
    failed: list[Path] = field(default_factory=list)  # files that could not be decoded

    @property
    def key(self) -> CameraKey:
        """The camera group."""
        return self.plan.key

    @property
    def ranked(self) -> list[FileInfo]:
        """The group's dated files, by capture date."""
        return self.plan.ranked

    @property
    def dates(self) -> list:
        """Capture dates of the group's dated files, by rank (None for a file that could
        not be decoded: it showed nothing)."""
        failed = set(self.failed)
        return [None if i.path in failed else i.taken for i in self.plan.ranked]


@dataclass
class ScanResult:
    """Everything a run saw: groups (largest first) and the files it could not use."""

    groups: list[GroupStats]
    failures: list[tuple[Path, str]]
    workers: int = 1  # processes that decoded
    skipped: list[Path] = field(default_factory=list)  # earlier outputs of fix, left out

    @property
    def n_read(self) -> int:
        """Number of frames decoded."""
        return sum(len(g.files) + len(g.repeats) for g in self.groups)


def finalize(group: GroupPlan, acc: Accumulator, outcomes: Iterable[Outcome]
             ) -> tuple[GroupStats | None, list[tuple[Path, str]]]:  # fmt: skip
    """Finish a group's accumulator from its files' outcomes (in file order).

    Returns
    -------
    stats : GroupStats or None
        None when no file of the group could be read.
    failures : list of (Path, str)
    """
    if group.levels:
        acc.black, acc.white = group.levels
    acc.cfa = group.key.cfa
    acc.n, acc.first_taken, acc.last_taken = 0, None, None  # counted here, once
    stats = GroupStats(group, acc)
    failures = []
    for o in outcomes:
        if o.status is Status.FAILED:
            failures.append((o.info.path, o.error))
            stats.failed.append(o.info.path)
        elif o.status is Status.REPEAT:
            stats.repeats.append(o.info.path)
        else:
            stats.files.append(o.info.path)
            acc.note(taken=o.info.taken)
    return (stats if stats.files or stats.repeats else None), failures
