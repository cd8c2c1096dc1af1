"""Engines: turn a plan (camera groups, each with its files) into finished statistics.

:func:`run` is the one entry point: it hands the plan to an engine, which cuts each
group's files into chunks (:mod:`hotpixels.engine.chunks`), accumulates them and
combines the chunks' states into one accumulator per group; :func:`finalize
<hotpixels.engine.base.finalize>` then sets the frame count, dates and levels. The
local engine (:class:`LocalEngine`: a process pool over one shared state) is the
default; an engine for a cluster implements the same ``run(plan, progress=...)``, and
detection, maps and repair never know which one ran.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from hotpixels.engine.base import GroupStats, ScanResult
from hotpixels.engine.local import LocalEngine
from hotpixels.engine.plan import GroupPlan, Plan, confirm_headers, make_plan
from hotpixels.engine.turned import bring_back_turned

__all__ = ["Engine", "GroupPlan", "GroupStats", "LocalEngine", "Plan", "ScanResult", "bring_back_turned",
           "confirm_headers",
           "default_workers", "make_plan", "run"]  # fmt: skip


class Engine(Protocol):
    """What an engine does: one finished, mergeable accumulator per group of a plan."""

    def run(self, plan: Plan, *, progress: Callable[[Path, str | None], None] | None = None
            ) -> ScanResult: ...  # fmt: skip


def default_workers() -> int:
    """Number of worker processes by default: the cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return max(os.cpu_count() or 1, 1)


def run(plan: Plan, engine: Engine | None = None, *,
        progress: Callable[[Path, str | None], None] | None = None) -> ScanResult:  # fmt: skip
    """Accumulate every group of ``plan`` on ``engine`` (default: this process).

    Parameters
    ----------
    plan : Plan
        From :func:`make_plan`.
    engine : Engine, optional
        Default ``LocalEngine()`` (one process); the statistics do not depend on it.
    progress : callable, optional
        Called after each file with its path and an error message or None.

    Returns
    -------
    ScanResult
        Groups, largest first, and every file that failed (sorted, one line each).

    Examples
    --------
    >>> import tempfile
    >>> from hotpixels.sim.camera import simulate
    >>> sim = simulate(tempfile.mkdtemp(), frames=3, size="256x192", seed=2)
    >>> res = run(make_plan(sim.frames))
    >>> res.groups[0].acc.n, res.failures
    (3, [])
    """
    result = (engine or LocalEngine()).run(plan, progress=progress)
    result.groups.sort(key=lambda g: (-len(g.files), g.key))
    result.failures.sort()
    return result
