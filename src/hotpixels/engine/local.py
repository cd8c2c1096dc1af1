"""The local engine: a process pool (or this process) adding to one shared state per group.

* Each group's state is one memory-mapped file that every worker maps
  (:mod:`hotpixels.engine.state`): whatever the number of workers, there is one state,
  and nothing is shipped back. Workers add stacks of frames to it band by band, each
  band under one of a few shared locks; integer addition commutes, so the sums equal
  those of a serial run bit for bit.
* Files go to workers in chunks of consecutive files of one group
  (:mod:`hotpixels.engine.chunks`); results are settled in chunk order, so the few
  frames that repeat the end of the previous chunk are subtracted again
  (:mod:`hotpixels.engine.repeats`).
* Workers are forked on Linux when this process runs one thread (they start at once,
  with the modules and compiled kernels loaded), spawned elsewhere and always for RAW
  files (LibRaw's OpenMP is not fork-safe); a spawned worker takes about 2 s to start,
  so a spawned pool gets at most one worker per :data:`SPAWN_FILES_PER_WORKER` files.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hotpixels import kernels
from hotpixels.engine import chunks as chunking
from hotpixels.engine.base import ScanResult, finalize
from hotpixels.engine.chunks import Chunk, ChunkResult, Status, accumulate_chunk, stack_for
from hotpixels.engine.plan import Plan
from hotpixels.engine.repeats import Resolver, thumbnail
from hotpixels.engine.state import GroupState, state_files
from hotpixels.errors import ParameterError
from hotpixels.stats import Accumulator, frame_threshold

__all__ = ["SPAWN_FILES_PER_WORKER", "LocalEngine", "pool_plan"]

#: Files per worker below which a spawned worker costs more to start than it saves.
SPAWN_FILES_PER_WORKER = 16
_N_LOCKS = 64

# --- worker side -------------------------------------------------------------------

_WORKER: dict = {}


def _init_worker(states: dict[int, GroupState], locks, prefer) -> None:
    _WORKER.update(states=states, locks=locks, prefer=prefer, mapped={}, stack=None)


def _mapped(group: int) -> Accumulator:
    mapped = _WORKER["mapped"]
    if group not in mapped:
        mapped.clear()  # one group's map at a time
        mapped[group] = _WORKER["states"][group].open()
    return mapped[group]


def _run_chunk(chunk: Chunk) -> ChunkResult:
    """Worker side: add a chunk to its group's shared state."""
    dtype = np.uint8 if chunk.bits == 8 else np.uint16
    stack = _WORKER["stack"] = stack_for(chunk.shape, dtype, _WORKER["stack"])
    return accumulate_chunk(chunk, _mapped(chunk.group), stack, locks=_WORKER["locks"],
                            prefer=_WORKER["prefer"])  # fmt: skip


# --- parent side -------------------------------------------------------------------


@dataclass
class LocalEngine:
    """Accumulate a plan on this machine: ``workers`` processes (1: in this process).

    Parameters
    ----------
    workers : int
        Processes; the statistics do not depend on it.
    decoder : {"simplejpeg", "pillow"}, optional
        Force a JPEG decoder; default the fastest installed (the same pixels either way).
    """

    workers: int = 1
    decoder: str | None = None

    def __post_init__(self) -> None:
        if self.workers < 1:
            msg = f"workers must be at least 1, got {self.workers}"
            raise ParameterError(msg)

    def run(self, plan: Plan, *, progress: Callable[[Path, str | None], None] | None = None
            ) -> ScanResult:  # fmt: skip
        """One finished accumulator per group of ``plan`` (see :func:`hotpixels.engine.run`)."""
        with state_files(plan.groups) as states:
            chunks = chunking.chunks_of(plan, workers=self.workers)

            def report(result: ChunkResult) -> None:
                for out in result.outcomes:
                    if progress:
                        progress(out.info.path, out.error)

            used = pool_plan(chunks, self.workers)[1]
            results, undone = self._run_chunks(plan, chunks, states, report)
            groups, failures = [], list(plan.failures)
            for g, group in enumerate(plan.groups):
                outcomes = [o for r in results if r.index >= 0 for o in r.outcomes
                            if chunks[r.index].group == g]  # fmt: skip
                stats, failed = finalize(group, states[g].open(), outcomes)
                failures += failed
                if stats is not None:
                    groups.append(stats)
            failures += [(o.info.path, o.error) for r in undone for o in r.outcomes
                         if o.status is Status.FAILED]  # fmt: skip
        return ScanResult(groups, failures, used, list(plan.skipped))

    def _run_chunks(self, plan: Plan, chunks: list[Chunk], states: dict[int, GroupState],
                    report: Callable[[ChunkResult], None]
                    ) -> tuple[list[ChunkResult], list[ChunkResult]]:  # fmt: skip
        """Run the chunks, settling them in order; then the subtractions of repeats."""
        resolver = Resolver()
        results: list[ChunkResult] = []
        ctx, workers = pool_plan(chunks, self.workers)  # at most one per chunk

        def settle(chunk: Chunk, res: ChunkResult) -> None:
            resolver.settle(chunk, res, Status.REPEAT)
            results.append(res)
            report(res)

        if workers == 1:
            _init_worker(states, None, self.decoder)
            try:
                for chunk in chunks:
                    if chunk.lookback is None:
                        chunk.lookback = resolver.lookback(chunk)
                    settle(chunk, _run_chunk(chunk))
                return results, [_run_chunk(c) for c in chunking.undo_chunks(resolver, plan)]
            finally:
                _WORKER.clear()
        if ctx.get_start_method() == "fork":
            _warm(states.values())  # once here rather than in every worker
        locks = [ctx.Lock() for _ in range(_N_LOCKS)]
        with ctx.Pool(workers, initializer=_init_worker, initargs=(states, locks, self.decoder)) as pool:
            for chunk, res in zip(chunks, pool.imap(_run_chunk, chunks), strict=True):
                settle(chunk, res)
            return results, pool.map(_run_chunk, chunking.undo_chunks(resolver, plan))


def pool_plan(chunks: list[Chunk], workers: int):
    """The start method and the number of processes that the engine uses for ``chunks``.

    Spawned workers take about 2 s to start, so a spawned pool gets at most one
    worker per :data:`SPAWN_FILES_PER_WORKER` files (1: in this process).
    """
    fork_safe = all(info.strategy.fork_safe for chunk in chunks for info in chunk.files)
    ctx = _context(fork_safe=fork_safe)
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if ctx.get_start_method() == "spawn":
        if main_file and not os.path.exists(main_file):
            workers = 1  # e.g. "<stdin>": spawn cannot re-import it
        n_files = sum(len(c.files) for c in chunks)
        workers = min(workers, max(1, n_files // SPAWN_FILES_PER_WORKER))
    return ctx, max(1, min(workers, len(chunks)))


def _context(*, fork_safe: bool = True):
    """``fork`` on Linux when this process runs one thread and the decoders are fork-safe,
    else ``spawn``. Both give the same result."""
    if sys.platform.startswith("linux") and threading.active_count() == 1 and fork_safe:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _warm(states) -> None:
    """Load the update kernels for every kind of state (tiny frames of each layout)."""
    seen = set()
    for gs in states:
        kind = (gs.shape[2], gs.bits, gs.capacity)
        if kind in seen:
            continue
        seen.add(kind)
        acc = Accumulator.empty((4, 4, gs.shape[2]), gs.bits, capacity=gs.capacity)
        frames = np.zeros((1, 4, 4, gs.shape[2]), np.uint8 if gs.bits == 8 else np.uint16)
        kernels.update_rows(acc.state, frames, 0, 4, [1], 1)
        frame_threshold(frames[0])
        thumbnail(frames[0])
