"""Run the scan's decode-and-accumulate work on a process pool (or in-process).

Design (see DESIGN.md, "Fast find"):

* The parent probes every file's header (:func:`hotpixels.io.decode.probe`), so camera
  groups, shapes and frame counts are known before any pixel is decoded.
* Each group's state (:class:`hotpixels.stats.Accumulator`, 16 bytes per subpixel) is
  one memory-mapped file in ``/dev/shm`` that every worker maps: whatever the number of
  workers, there is one state, and nothing is shipped back. Workers add stacks of
  frames to it band by band, each band under one of a few shared locks; integer
  addition commutes, so the sums equal those of a serial run bit for bit.
* Files go to workers in chunks of consecutive files of one group (:func:`chunk_size`). A
  worker decodes a chunk's files into a preallocated stack of up to :data:`STACK`
  frames and adds the stack in one pass over the state.
* Repeated scenes (burst, time-lapse): a frame repeats when its thumbnail matches one of
  the :data:`~hotpixels.scan.RECENT` frames before it in the group's file order, a rule
  that depends on the files alone. A worker decides it for every frame whose
  predecessors are in its chunk; the first frames of a chunk are added provisionally,
  and the parent, which sees the chunks' thumbnails in order, removes (subtracts) the
  few that turn out to repeat the end of the previous chunk.
"""

from __future__ import annotations

import contextlib
import mmap
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hotpixels import _kernels
from hotpixels.errors import HotPixelsError, ParameterError
from hotpixels.io.decode import FileInfo, decode
from hotpixels.stats import NEVER_SEEN, Accumulator, accumulate, frame_threshold

__all__ = ["CHUNK", "STACK", "GroupState", "run_chunks", "thumbnail"]

#: Files per task sent to a worker.
CHUNK = 16
#: Files per worker below which a spawned worker costs more to start than it saves.
SPAWN_FILES_PER_WORKER = 16
#: Most frames decoded before one pass over the state.
STACK = 4
#: Memory for the stack of decoded frames per worker (bytes).
STACK_BYTES = 160 * 2**20
#: A frame repeats a scene when its normalised thumbnail differs by less than this.
REPEAT_TOLERANCE = 0.04
#: How many preceding frames of the group a frame is compared with.
RECENT = 8
_N_LOCKS = 64


def thumbnail(frame: np.ndarray) -> np.ndarray:
    """1/32-scale brightness layout of a frame, normalised to mean 1 (exposure-free)."""
    sums = _kernels.block_sums(frame).astype(np.float64)
    return sums / max(float(sums.mean()), 1e-6)


def _repeats(thumb: np.ndarray, recent: Iterable[np.ndarray]) -> bool:
    return any(float(np.mean(np.abs(old - thumb))) < REPEAT_TOLERANCE for old in recent)


@dataclass
class GroupState:
    """A group's state file, mapped as an accumulator."""

    path: Path
    shape: tuple[int, int, int]
    bits: int
    capacity: int

    def open(self) -> Accumulator:
        """Map the state file (shared, writable) as an :class:`Accumulator`.

        Where the system has ``MAP_POPULATE`` the whole mapping is set up at once: on a
        virtual machine a page fault costs microseconds, and a 10 MP state has 117 000
        pages (0.25 s of faults per process, 0.09 s populated).
        """
        size = Accumulator.state_bytes(self.shape, self.bits, self.capacity)
        populate = getattr(mmap, "MAP_POPULATE", 0)
        if populate:
            with open(self.path, "r+b") as fh:
                buf = mmap.mmap(fh.fileno(), size, flags=mmap.MAP_SHARED | populate)
        else:  # pragma: no cover - not Linux
            buf = np.memmap(self.path, dtype=np.uint8, mode="r+", shape=(size,))
        return Accumulator.empty(self.shape, self.bits, capacity=self.capacity, buffer=buf)


@dataclass
class Chunk:
    """One task: consecutive files of one group."""

    index: int
    state: GroupState | None
    files: list[FileInfo]
    sign: int = 1
    repeats: bool = True
    lookback: list[np.ndarray] | None = None


@dataclass
class Outcome:
    """What happened to one file."""

    info: FileInfo
    status: str  # "added", "repeat" or "failed"
    error: str | None = None
    thumb: np.ndarray | None = None
    provisional: bool = False
    before: int = 0  # decoded frames of the group before it in its chunk


@dataclass
class ChunkResult:
    """A worker's report on one chunk."""

    index: int
    outcomes: list[Outcome]
    tail: list[np.ndarray] = field(default_factory=list)


# --- worker side -------------------------------------------------------------------

_WORKER: dict = {"locks": None, "states": {}, "prefer": None}


def _init_worker(locks, prefer) -> None:
    _WORKER.update(locks=locks, states={}, prefer=prefer, stack=None)


def _state(gs: GroupState) -> Accumulator:
    states = _WORKER["states"]
    key = str(gs.path)
    if key not in states:
        states.clear()  # one group's map at a time
        states[key] = gs.open()
    return states[key]


def _stack_for(shape, dtype) -> np.ndarray:
    frame_bytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    k = int(max(1, min(STACK, STACK_BYTES // max(frame_bytes, 1))))
    cached = _WORKER.get("stack")
    if cached is None or cached.shape[1:] != tuple(shape) or cached.dtype != dtype or len(cached) != k:
        _WORKER["stack"] = None
        cached = _WORKER["stack"] = np.empty((k, *shape), dtype)
    return cached


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Decode a chunk's files and add them to the group's shared state (worker side)."""
    acc = _state(chunk.state)
    dtype = np.uint8 if chunk.state.bits == 8 else np.uint16
    stack = _stack_for(chunk.state.shape, dtype)
    locks = _WORKER["locks"]
    outcomes: list[Outcome] = []
    recent: list[np.ndarray] = []
    thresholds: list[int] = []
    encs: list[int] = []

    def flush() -> None:
        if thresholds:
            accumulate(acc.state, stack[: len(thresholds)], thresholds, sign=chunk.sign, locks=locks,
                       encs=encs)  # fmt: skip
            thresholds.clear()
            encs.clear()

    for info in chunk.files:
        slot = stack[len(thresholds)]
        try:
            frame = decode(info, slot, prefer=_WORKER["prefer"])
        except HotPixelsError as err:
            outcomes.append(Outcome(info, "failed", str(err)))
            continue
        if frame is not slot:
            slot[...] = frame
        out = Outcome(info, "added", before=len(recent))
        if chunk.sign > 0 and chunk.repeats:
            thumb = thumbnail(slot)
            window = ((chunk.lookback or []) + recent)[-RECENT:]
            if _repeats(thumb, window):
                out.status = "repeat"
            elif chunk.lookback is None and len(recent) < RECENT:
                out.provisional, out.thumb = True, thumb
            recent.append(thumb)
        outcomes.append(out)
        enc = NEVER_SEEN - info.rank if info.rank is not None and chunk.sign > 0 else 0
        if out.status == "repeat" and enc:  # not counted, but it was taken then: seen only
            accumulate(acc.state, slot[None], [frame_threshold(slot)], sign=0, locks=locks,
                       encs=[enc])  # fmt: skip
        if out.status == "added":
            thresholds.append(frame_threshold(slot))
            encs.append(enc)
            if len(thresholds) == len(stack):
                flush()
    flush()
    return ChunkResult(chunk.index, outcomes, recent[-RECENT:])


# --- parent side -------------------------------------------------------------------


def _shm_dir() -> str | None:
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


@contextlib.contextmanager
def state_files(groups: dict) -> Iterator[dict]:
    """Create one zeroed state file per group (in ``/dev/shm`` when it exists).

    Yields ``{group key: GroupState}``; the files are deleted on exit (mapped states
    stay valid until released).
    """
    folder = tempfile.mkdtemp(prefix="hotpixels-", dir=_shm_dir())
    try:
        states = {}
        for i, (key, infos) in enumerate(groups.items()):
            info = infos[0]
            gs = GroupState(Path(folder) / f"group{i}.state", info.shape, info.bits, len(infos))
            size = Accumulator.state_bytes(gs.shape, gs.bits, gs.capacity)
            with open(gs.path, "wb") as fh:
                fh.truncate(size)
                _allocate(fh.fileno(), size)
            states[key] = gs
        yield states
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _allocate(fd: int, size: int) -> None:
    """Give a state file its (zeroed) pages now, in one call rather than one fault per
    page in every worker; where the file system cannot, pages come on first use."""
    if hasattr(os, "posix_fallocate"):
        with contextlib.suppress(OSError):
            os.posix_fallocate(fd, 0, size)


def chunk_size(files: int, workers: int) -> int:
    """Files per chunk: a multiple of :data:`STACK`, at most :data:`CHUNK`, and small
    enough that every worker gets about four chunks (so they finish together)."""
    stacks = files // (max(workers, 1) * STACK * 4)
    return STACK * max(1, min(stacks, CHUNK // STACK))


def chunks_of(groups: dict, states: dict, *, repeats: bool, workers: int = 1) -> list[Chunk]:
    """Cut each group's files (in order) into chunks of :func:`chunk_size` files."""
    size = chunk_size(sum(len(v) for v in groups.values()), workers)
    out = []
    for key, infos in groups.items():
        for start in range(0, len(infos), size):
            out.append(Chunk(len(out), states[key], infos[start : start + size], repeats=repeats,
                             lookback=[] if start == 0 else None))  # fmt: skip
    return out


class _Resolver:
    """Settles provisional frames in file order and lists the ones to subtract."""

    def __init__(self):
        self.recent: dict[str, list[np.ndarray]] = {}
        self.undo: dict[str, list[FileInfo]] = {}

    def lookback(self, chunk: Chunk) -> list[np.ndarray]:
        return list(self.recent.get(str(chunk.state.path), []))

    def settle(self, chunk: Chunk, result: ChunkResult) -> None:
        key = str(chunk.state.path)
        before = self.recent.get(key, [])
        for out in result.outcomes:
            if out.provisional:
                window = before[len(before) - (RECENT - out.before) :] if RECENT > out.before else []
                if _repeats(out.thumb, window):
                    out.status = "repeat"
                    self.undo.setdefault(key, []).append(out.info)
            out.thumb = None
        self.recent[key] = (before + result.tail)[-RECENT:]


def run_chunks(
    chunks: list[Chunk],
    *,
    workers: int = 1,
    prefer: str | None = None,
    on_result: Callable[[Chunk, ChunkResult], None] | None = None,
) -> list[ChunkResult]:
    """Run chunks in-process (``workers=1``) or on a spawn-safe process pool.

    Results are settled in chunk order (repeats across chunk boundaries are subtracted
    again), so the final states are the same for any number of workers.

    Parameters
    ----------
    chunks : list of Chunk
        From :func:`chunks_of`, in file order.
    workers : int
        Processes; 1 runs in this process.
    prefer : str, optional
        Force a decoder (see :func:`hotpixels.io.decode.decode`).
    on_result : callable, optional
        Called with each chunk and its settled result, in order.

    Returns
    -------
    list of ChunkResult
        Settled results, in chunk order, followed by the subtraction chunks' results.
    """
    if workers < 1:
        msg = f"workers must be at least 1, got {workers}"
        raise ParameterError(msg)
    resolver = _Resolver()
    results: list[ChunkResult] = []
    ctx, workers = pool_plan(chunks, workers)  # at most one per chunk
    if workers == 1:
        _init_worker(None, prefer)
        try:
            for chunk in chunks:
                if chunk.lookback is None:
                    chunk.lookback = resolver.lookback(chunk)
                res = run_chunk(chunk)
                resolver.settle(chunk, res)
                results.append(res)
                if on_result:
                    on_result(chunk, res)
            results += [run_chunk(c) for c in _undo_chunks(resolver, chunks)]
        finally:
            _init_worker(None, None)
        return results
    if ctx.get_start_method() == "fork":
        _warm(chunks)  # once here rather than in every worker
    locks = [ctx.Lock() for _ in range(_N_LOCKS)]
    with ctx.Pool(workers, initializer=_init_worker, initargs=(locks, prefer)) as pool:
        for chunk, res in zip(chunks, pool.imap(run_chunk, chunks), strict=True):
            resolver.settle(chunk, res)
            results.append(res)
            if on_result:
                on_result(chunk, res)
        results += pool.map(run_chunk, _undo_chunks(resolver, chunks))
    return results


def pool_plan(chunks: list[Chunk], workers: int):
    """The start method and the number of processes that ``run_chunks`` uses.

    Spawned workers take about 2 s to start, so a spawned pool gets at most one
    worker per :data:`SPAWN_FILES_PER_WORKER` files (1: in this process).
    """
    ctx = _context(raw=any(info.raw for chunk in chunks for info in chunk.files))
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if ctx.get_start_method() == "spawn":
        if main_file and not os.path.exists(main_file):
            workers = 1  # e.g. "<stdin>": spawn cannot re-import it
        n_files = sum(len(c.files) for c in chunks)
        workers = min(workers, max(1, n_files // SPAWN_FILES_PER_WORKER))
    return ctx, max(1, min(workers, len(chunks)))


def _context(*, raw: bool = False):
    """``fork`` on Linux when this process runs one thread (workers start at once, with
    the modules and compiled kernels loaded), else ``spawn``; always ``spawn`` for RAW
    files (LibRaw's OpenMP is not fork-safe). Both give the same result."""
    if sys.platform.startswith("linux") and threading.active_count() == 1 and not raw:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _warm(chunks: list[Chunk]) -> None:
    """Load the update kernels for every kind of state in ``chunks`` (tiny frames)."""
    seen = set()
    for chunk in chunks:
        gs = chunk.state
        kind = (gs.shape[2], gs.bits, gs.capacity)
        if kind in seen:
            continue
        seen.add(kind)
        acc = Accumulator.empty((4, 4, gs.shape[2]), gs.bits, capacity=gs.capacity)
        frames = np.zeros((1, 4, 4, gs.shape[2]), np.uint8 if gs.bits == 8 else np.uint16)
        _kernels.update_rows(acc.state, frames, 0, 4, [1], 1)
        frame_threshold(frames[0])
        thumbnail(frames[0])


def _undo_chunks(resolver: _Resolver, chunks: list[Chunk]) -> list[Chunk]:
    states = {str(c.state.path): c.state for c in chunks}
    undo = []
    for key, infos in resolver.undo.items():
        for start in range(0, len(infos), CHUNK):
            undo.append(Chunk(-1, states[key], infos[start : start + CHUNK], sign=-1, repeats=False))
    return undo
