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

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hotpixels import kernels
from hotpixels.engine import checkpoint
from hotpixels.engine import chunks as chunking
from hotpixels.engine.base import ScanResult, finalize
from hotpixels.engine.chunks import Chunk, ChunkResult, Outcome, Status, accumulate_chunk, stack_for
from hotpixels.engine.plan import Plan
from hotpixels.engine.repeats import Resolver, thumbnail
from hotpixels.engine.state import GroupState, state_files
from hotpixels.errors import ParameterError
from hotpixels.stats import Accumulator, frame_threshold

__all__ = ["SPAWN_FILES_PER_WORKER", "LocalEngine", "pool_plan"]

#: Files per worker below which a spawned worker costs more to start than it saves.
SPAWN_FILES_PER_WORKER = 16
_N_LOCKS = 64
_PR_SET_PDEATHSIG = 1

# --- worker side -------------------------------------------------------------------

_WORKER: dict = {}


def _init_worker(states: dict[int, GroupState], locks, prefer) -> None:
    _WORKER.update(states=states, locks=locks, prefer=prefer, mapped={}, stack=None)


def _init_pool_worker(states: dict[int, GroupState], locks, prefer) -> None:
    """A pool worker: the parent handles Ctrl-C and stops; a worker dies quietly with it,
    even when the parent is killed outright (Linux: the parent-death signal)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    _init_worker(states, locks, prefer)


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
    tmp_dir : str or Path, optional
        Folder for the shared state; default ``/dev/shm`` when it has room, else the
        system's temporary folder (:func:`hotpixels.engine.state.choose_folder`).
    checkpoint : str or Path, optional
        Save the statistics to this file at the end of each group and every
        ``checkpoint_every`` seconds; if it exists (from a run of the same files and
        options that was stopped), continue from it. The result is the same either way.
    checkpoint_every : float
        Seconds between checkpoints within a group.
    """

    workers: int = 1
    decoder: str | None = None
    tmp_dir: str | Path | None = None
    checkpoint: str | Path | None = None
    checkpoint_every: float = 300.0

    def __post_init__(self) -> None:
        if self.workers < 1:
            msg = f"workers must be at least 1, got {self.workers}"
            raise ParameterError(msg)

    def run(self, plan: Plan, *, progress: Callable[[Path, str | None], None] | None = None
            ) -> ScanResult:  # fmt: skip
        """One finished accumulator per group of ``plan`` (see :func:`hotpixels.engine.run`)."""
        with state_files(plan.groups, self.tmp_dir) as states:
            chunks = chunking.chunks_of(plan, workers=self.workers)

            def report(result: ChunkResult) -> None:
                for out in result.outcomes:
                    if progress:
                        progress(out.info.path, out.error)

            runner = _Runner(self, plan, chunks, states, report)
            runner.run()
            groups, failures = [], list(plan.failures)
            for g, group in enumerate(plan.groups):
                outcomes = [o for r in runner.results for o in r.outcomes if chunks[r.index].group == g]
                stats, failed = finalize(group, states[g].open(), outcomes)
                failures += failed
                if stats is not None:
                    groups.append(stats)
            failures += runner.undone
        return ScanResult(groups, failures, runner.workers, list(plan.skipped))


class _Runner:
    """Runs an engine's chunks in file order, in segments that end on a consistent state
    (every chunk settled, repeats subtracted); with a checkpoint, saves such states."""

    def __init__(self, engine: LocalEngine, plan: Plan, chunks: list[Chunk],
                 states: dict[int, GroupState], report: Callable[[ChunkResult], None]):  # fmt: skip
        self.engine, self.plan, self.chunks, self.states, self.report = engine, plan, chunks, states, report
        self.resolver = Resolver()
        self.results: list[ChunkResult] = []
        self.undone: list[tuple[Path, str]] = []
        self.path = Path(engine.checkpoint) if engine.checkpoint is not None else None
        self.saved_at = time.monotonic()
        self.workers = 1  # processes that decoded, once run

    def run(self) -> None:
        start, mapped, fp = 0, {}, ""
        if self.path is not None:
            fp = checkpoint.fingerprint(self.plan, self.chunks)
            mapped = {g: st.open() for g, st in self.states.items()}
            if self.path.exists():
                start = self._restore(checkpoint.load(self.path, fp, mapped))
        ctx, workers = pool_plan(self.chunks, self.engine.workers)  # at most one per chunk
        self.workers = workers
        if workers == 1:
            _init_worker(self.states, None, self.engine.decoder)
            try:
                self._segments(start, self._inline, mapped, fp)
            finally:
                _WORKER.clear()
            return
        if ctx.get_start_method() == "fork":
            _warm(self.states.values())  # once here rather than in every worker
        locks = [ctx.Lock() for _ in range(_N_LOCKS)]
        with ctx.Pool(workers, initializer=_init_pool_worker,
                      initargs=(self.states, locks, self.engine.decoder)) as pool:  # fmt: skip
            self._segments(start, lambda items: pool.imap(_run_chunk, items), mapped, fp)
            pool.close()  # a clean end: let the workers exit (terminate, on leaving, can hang)
            pool.join()

    def _inline(self, chunks):
        """Run chunks here, one after another (each sees the thumbnails before it)."""
        for chunk in chunks:
            if chunk.lookback is None:
                chunk.lookback = self.resolver.lookback(chunk)
            yield _run_chunk(chunk)

    def _bounds(self, start: int) -> list[tuple[int, int]]:
        """Segments from chunk ``start``: the rest at once without a checkpoint, else a few
        chunks per worker, never across a group's end."""
        if self.path is None:
            return [(start, len(self.chunks))]
        size, out, a = max(2, 2 * self.engine.workers), [], start
        while a < len(self.chunks):
            b = a + 1
            while b < min(a + size, len(self.chunks)) and self.chunks[b].group == self.chunks[a].group:
                b += 1
            out.append((a, b))
            a = b
        return out

    def _segments(self, start: int, imap, mapped: dict, fp: str) -> None:
        for a, b in self._bounds(start):
            for chunk, res in zip(self.chunks[a:b], imap(self.chunks[a:b]), strict=True):
                self.resolver.settle(chunk, res, Status.REPEAT)
                self.results.append(res)
                self.report(res)
            for res in imap(chunking.undo_chunks(self.resolver, self.plan)):
                self.undone += [(o.info.path, o.error) for o in res.outcomes if o.status is Status.FAILED]
            self.resolver.undo.clear()
            group_end = b == len(self.chunks) or self.chunks[b].group != self.chunks[a].group
            due = time.monotonic() - self.saved_at >= self.engine.checkpoint_every
            if self.path is not None and (group_end or due):
                self._save(b, mapped, fp)

    def _save(self, done: int, mapped: dict, fp: str) -> None:
        outcomes = {r.index: [(o.status.value, o.error) for o in r.outcomes] for r in self.results}
        undone = [(str(p), e) for p, e in self.undone]
        checkpoint.save(self.path, fp, mapped, checkpoint.Saved(done, outcomes, undone, self.resolver.recent))
        self.saved_at = time.monotonic()

    def _restore(self, saved: checkpoint.Saved) -> int:
        """Take up a saved run: its outcomes (reported again), repeat window, failures."""
        self.resolver.recent = saved.recent
        for i in range(saved.done):
            rows = saved.outcomes[i]
            res = ChunkResult(i, [Outcome(info, Status(st), err)
                                  for info, (st, err) in zip(self.chunks[i].files, rows, strict=True)])
            self.results.append(res)
            self.report(res)
        self.undone = [(Path(p), e) for p, e in saved.undone]
        return saved.done


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
        table = np.zeros((gs.shape[2], kernels.NEIGHBOURS, 3), np.int64) if gs.shape[2] == 36 else None
        kernels.update_rows(acc.state, frames, 0, 4, [1], 1, table=table)  # X-Trans: the table's path
        frame_threshold(frames[0])
        thumbnail(frames[0])
