"""The Dask engine: the same statistics on a cluster (``pip install "hotpixels[dask]"``).

* Planning (discovery, headers, camera groups, turned photos) happens on the client, as
  for the local engine. Each group's files (in order) are cut into tasks large enough
  that a task's state is worth shipping (:func:`task_files`: tens to hundreds of
  files); a task puts its files into a fresh accumulator (:func:`accumulate_chunk`)
  and returns it once, with the files' outcomes.
* States merge pairwise on the workers as they complete (``as_completed``), so neither
  the client nor a worker holds more than a few; only each group's final state comes
  to the client. Integer sums commute, so any order of merging gives the same sums.
* Outcomes are settled on the client in file order (:class:`Resolver`), as locally:
  frames that repeat the end of the previous task are subtracted again by tasks whose
  (negative) states are merged too, so bursts across task boundaries count as locally.
* At most a few tasks per worker are in flight, so the client reads ahead (and, with
  ``ship_bytes``, holds file bytes) for those only. A task that a lost worker held is
  rerun by Dask; the result is the same, because a task depends on its files alone.
"""

from __future__ import annotations

import contextlib
import logging
import math
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from hotpixels.engine.base import ScanResult, finalize
from hotpixels.engine.chunks import STACK, Chunk, ChunkResult, Status, accumulate_chunk, chunks_of, stack_for
from hotpixels.engine.chunks import undo_chunks as undo_chunks_of
from hotpixels.engine.plan import GroupPlan, Plan
from hotpixels.engine.repeats import Resolver
from hotpixels.errors import ParameterError, require
from hotpixels.progress import started
from hotpixels.stats import Accumulator

__all__ = ["MAX_TASK_FILES", "MIN_TASK_FILES", "DaskEngine", "task_files"]

log = logging.getLogger(__name__)

#: Files per task: at least this many (a 10 MP state is about 540 MB to ship) ...
MIN_TASK_FILES = 32
#: ... and at most this many (so that a lost worker costs little, and all are busy).
MAX_TASK_FILES = 256
#: Tasks in flight per worker.
IN_FLIGHT = 2


def task_files(n_files: int, workers: int) -> int:
    """Files per task for a group of ``n_files`` on ``workers`` workers: about three
    tasks per worker, within :data:`MIN_TASK_FILES`..:data:`MAX_TASK_FILES`, yet at
    least one task per worker when there are fewer files; a multiple of the decode stack.

    Examples
    --------
    >>> task_files(120, 2), task_files(40, 2), task_files(100_000, 100), task_files(10, 4)
    (32, 20, 256, 4)
    """
    workers = max(1, workers)
    per = min(MAX_TASK_FILES, max(MIN_TASK_FILES, math.ceil(n_files / (3 * workers))))
    per = min(per, math.ceil(n_files / workers))  # every worker gets some
    return STACK * math.ceil(max(per, 1) / STACK)


# --- worker side -------------------------------------------------------------------


def _run_task(chunk: Chunk, capacity: int, prefer: str | None, payload: list[bytes | None] | None):
    """One task on a worker: the chunk's files into a fresh accumulator."""
    acc = Accumulator.empty(chunk.shape, chunk.bits, capacity=capacity)
    stack = stack_for(chunk.shape, np.uint8 if chunk.bits == 8 else np.uint16)
    if payload is None:
        return accumulate_chunk(chunk, acc, stack, prefer=prefer), acc
    with tempfile.TemporaryDirectory(prefix="hotpixels-task-") as tmp:
        local = []
        for i, (info, data) in enumerate(zip(chunk.files, payload, strict=True)):
            path = Path(tmp) / f"{i}{info.path.suffix}"
            path.write_bytes(data if data is not None else b"")
            local.append(replace(info, path=path))
        result = accumulate_chunk(replace(chunk, files=local), acc, stack, prefer=prefer)
    for out, info, data in zip(result.outcomes, chunk.files, payload, strict=True):
        if out.error:
            out.error = out.error.replace(str(out.info.path), str(info.path))
        if data is None:
            out.status, out.error = Status.FAILED, f"{info.path}: could not be read on the client"
        out.info = info
    return result, acc


def _result_of(part) -> ChunkResult:
    return part[0]


def _state_of(part) -> Accumulator:
    """A task's state (a task returns ``(result, state)``; a merge, the state)."""
    return part[1] if isinstance(part, tuple) else part


def _merge(a, b) -> Accumulator:
    return _state_of(a).merge(_state_of(b))


# --- client side -------------------------------------------------------------------


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


class DaskEngine:
    """Accumulate on a Dask cluster: an existing one, or a ``LocalCluster`` started here.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); default: start a
        ``LocalCluster`` of ``workers`` processes for the run.
    workers : int
        Worker processes of the local cluster (one thread each).
    decoder : str, optional
        Force a JPEG decoder (the statistics do not depend on it).
    ship_bytes : bool
        Send each file's bytes from the client (clusters without shared storage);
        default: workers open the files by path.
    task_size : int, optional
        Files per task; default :func:`task_files`.
    client : distributed.Client, optional
        Use this client (and its cluster) instead.
    on_start : callable, optional
        Called with a line for the user once the cluster is up (its dashboard).
    timeout : float
        Seconds to wait for the scheduler.

    Examples
    --------
    >>> engine = DaskEngine(workers=2)  # doctest: +SKIP
    >>> import hotpixels
    >>> result, maps = hotpixels.find(["photos/"], engine=engine)  # doctest: +SKIP
    """

    def __init__(self, scheduler: str | None = None, *, workers: int = 2, decoder: str | None = None,
                 ship_bytes: bool = False, task_size: int | None = None, client=None,
                 on_start: Callable[[str], None] | None = None, timeout: float = 30.0) -> None:  # fmt: skip
        require("distributed", "dask", "the Dask engine")
        if workers < 1:
            msg = f"workers must be at least 1, got {workers}"
            raise ParameterError(msg)
        self.scheduler, self.workers, self.decoder = scheduler, workers, decoder
        self.ship_bytes, self.task_size, self.client, self.on_start = ship_bytes, task_size, client, on_start
        self.timeout = timeout

    @contextlib.contextmanager
    def _connect(self):
        import distributed

        if self.client is not None:
            yield self.client
            return
        with contextlib.ExitStack() as stack:
            if self.scheduler:
                try:
                    client = stack.enter_context(distributed.Client(self.scheduler, timeout=self.timeout))
                except (OSError, TimeoutError) as err:
                    msg = f"cannot reach the Dask scheduler at {self.scheduler} ({err}); is it running?"
                    raise ParameterError(msg) from err
            else:
                cluster = stack.enter_context(distributed.LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True,
                    dashboard_address=":0", silence_logs=logging.ERROR))  # fmt: skip
                client = stack.enter_context(distributed.Client(cluster))
            yield client

    def run(self, plan: Plan, *, progress: Callable[[Path, str | None], None] | None = None) -> ScanResult:
        """Accumulate every group of ``plan`` on the cluster; see :func:`hotpixels.engine.run`."""
        with self._connect() as client:
            n = max(1, len(client.scheduler_info().get("workers", {})) or self.workers)
            link = getattr(client, "dashboard_link", None)
            line = f"Dask: {n} worker(s)" + (f", dashboard {link}" if link else "")
            log.info(line)
            if self.on_start:
                self.on_start(line)
            return _Run(client, plan, n, self, progress).run()


class _Run:
    """One run's bookkeeping on the client."""

    def __init__(self, client, plan: Plan, workers: int, engine: DaskEngine, progress) -> None:
        self.client, self.plan, self.workers = client, plan, workers
        self.engine, self.progress = engine, progress
        self.resolver = Resolver()
        self.results: dict[int, ChunkResult] = {}
        self.pending: dict[int, list] = {g: [] for g in range(len(plan.groups))}  # states to merge
        self.undone: list[tuple[Path, str]] = []  # files that failed when subtracted
        self.kind: dict = {}  # future key -> ("task" | "result" | "merge", chunk or group)

    def _size(self, group: GroupPlan) -> int:
        return self.engine.task_size or task_files(len(group.files), self.workers)

    def _submit(self, ac, chunk: Chunk) -> None:
        group = self.plan.groups[chunk.group]
        payload = [_read(i.path) for i in chunk.files] if self.engine.ship_bytes else None
        if payload is not None:
            payload = self.client.scatter(payload, hash=False)
        part = self.client.submit(_run_task, chunk, len(group.files), self.engine.decoder, payload,
                                  pure=False)  # fmt: skip
        self.kind[part.key] = ("task", chunk)
        ac.add(part)
        res = self.client.submit(_result_of, part, pure=False)
        self.kind[res.key] = ("result", chunk)
        ac.add(res)

    def _settle(self, chunks: list[Chunk], settled: int) -> int:
        """Settle the results that follow the settled ones, in file order."""
        while settled < len(chunks) and chunks[settled].index in self.results:
            chunk = chunks[settled]
            result = self.results[chunk.index]
            self.resolver.settle(chunk, result, Status.REPEAT)
            result.tail = []  # settled: its thumbnails are in the resolver's window
            for out in result.outcomes:
                if self.progress:
                    self.progress(out.info.path, out.error if out.status is Status.FAILED else None)
            settled += 1
        return settled

    def _drain(self, ac, queue: list[Chunk], chunks: list[Chunk], settled: int) -> int:
        """Take completed futures until none is left: settle results in order, merge
        states pairwise, keep :data:`IN_FLIGHT` tasks per worker going."""
        for fut in ac:
            what, item = self.kind.pop(fut.key)
            if what == "result":
                result = fut.result()  # a bug on a worker is raised here
                if item.sign > 0:
                    self.results[item.index] = result
                    settled = self._settle(chunks, settled)
                else:
                    self.undone += [(o.info.path, o.error) for o in result.outcomes
                                    if o.status is Status.FAILED]  # fmt: skip
                if queue:
                    self._submit(ac, queue.pop(0))
                continue
            g = item.group if what == "task" else item
            self.pending[g].append(fut)
            if len(self.pending[g]) >= 2:
                a, b = self.pending[g].pop(0), self.pending[g].pop(0)
                merged = self.client.submit(_merge, a, b, pure=False)
                self.kind[merged.key] = ("merge", g)
                ac.add(merged)
        return settled

    def run(self) -> ScanResult:
        from distributed import as_completed

        plan = self.plan
        chunks = chunks_of(plan, size=self._size)
        started(self.progress, plan.n_files, "reading")
        queue = list(chunks)
        ac = as_completed()
        for _ in range(min(len(queue), IN_FLIGHT * self.workers)):
            self._submit(ac, queue.pop(0))
        settled = self._drain(ac, queue, chunks, 0)
        undo = undo_chunks_of(self.resolver, plan)
        if undo:
            ac = as_completed()
            for chunk in undo[: IN_FLIGHT * self.workers]:
                self._submit(ac, chunk)
            self._drain(ac, undo[IN_FLIGHT * self.workers :], chunks, settled)
        groups, failures = [], list(plan.failures)
        for g, group in enumerate(plan.groups):
            [final] = self.pending[g] or [None]
            acc = self.client.submit(_state_of, final, pure=False).result() if final is not None \
                else Accumulator.empty(group.shape, group.bits, capacity=len(group.files))  # fmt: skip
            outcomes = [o for c in chunks if c.group == g for o in self.results[c.index].outcomes]
            stats, failed = finalize(group, acc, outcomes)
            failures += failed
            if stats is not None:
                groups.append(stats)
        return ScanResult(groups, failures + self.undone, self.workers, list(plan.skipped))
