"""The unit of work of every engine: a chunk of consecutive files of one group.

:func:`accumulate_chunk` decodes a chunk's files into a stack of frames and adds the
stack to an accumulator's state in one pass; the accumulator may be a state shared by
several processes (the local engine) or a fresh one per task (a cluster engine, whose
states are merged afterwards). Either way the sums are integers, so the result does
not depend on how the files were split or where they ran.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from hotpixels.engine.plan import GroupPlan, Plan
from hotpixels.engine.repeats import RECENT, Resolver, repeats, thumbnail
from hotpixels.errors import HotPixelsError
from hotpixels.io.decode import FileInfo, decode
from hotpixels.kernels import neighbour_table
from hotpixels.kernels.clipping import Clipping, stack_boxes
from hotpixels.stats import NEVER_SEEN, Accumulator, accumulate, frame_threshold

__all__ = ["CHUNK", "STACK", "STACK_BYTES", "Chunk", "ChunkResult", "Outcome", "Status",
           "accumulate_chunk", "chunk_size", "chunks_of", "stack_for", "undo_chunks"]  # fmt: skip

#: Most files per chunk.
CHUNK = 16
#: Most frames decoded before one pass over the state.
STACK = 4
#: Memory for the stack of decoded frames per worker (bytes).
STACK_BYTES = 160 * 2**20


class Status(str, Enum):
    """What happened to one file."""

    ADDED = "added"
    REPEAT = "repeat"  # repeats a recent scene: counted once
    FAILED = "failed"


@dataclass
class Chunk:
    """One task: consecutive files of group ``group`` (its index in the plan).

    ``sign`` -1 subtracts the files again (frames that turned out to repeat a scene);
    ``lookback`` holds the thumbnails of the frames before the chunk when they are
    known (None: its first frames are provisional).
    """

    index: int
    group: int
    shape: tuple[int, int, int]
    bits: int
    files: list[FileInfo]
    sign: int = 1
    repeats: bool = True
    lookback: list[np.ndarray] | None = None
    cfa: str = ""  # a RAW group's pattern: which photosites each is compared with
    clipping: Clipping | None = None  # where a frame is too near clipping to be evidence


@dataclass
class Outcome:
    """What happened to one file of a chunk."""

    info: FileInfo
    status: Status
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


def stack_for(shape: tuple[int, ...], dtype, cached: np.ndarray | None = None) -> np.ndarray:
    """A stack of up to :data:`STACK` frames within :data:`STACK_BYTES` (``cached``
    when it fits)."""
    frame_bytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    k = int(max(1, min(STACK, STACK_BYTES // max(frame_bytes, 1))))
    if cached is None or cached.shape[1:] != tuple(shape) or cached.dtype != dtype or len(cached) != k:
        cached = np.empty((k, *shape), dtype)
    return cached


def accumulate_chunk(chunk: Chunk, acc: Accumulator, stack: np.ndarray, *, locks=None,
                     prefer: str | None = None) -> ChunkResult:  # fmt: skip
    """Decode a chunk's files and add (or subtract) them to ``acc``'s state.

    Parameters
    ----------
    chunk : Chunk
    acc : Accumulator
        The group's state (shared or private); its frame count is not changed here
        (:func:`hotpixels.engine.base.finalize` counts the added frames).
    stack : ndarray
        From :func:`stack_for`, of the chunk's shape.
    locks : sequence of locks, optional
        For a state shared between processes (see :func:`hotpixels.stats.accumulate`).
    prefer : str, optional
        Force a JPEG decoder.

    Returns
    -------
    ChunkResult
    """
    outcomes: list[Outcome] = []
    recent: list[np.ndarray] = []
    thresholds: list[int] = []
    encs: list[int] = []
    boxes: list = []
    clip = chunk.clipping.boxes if chunk.clipping else (lambda frame: None)
    table = neighbour_table(chunk.cfa)

    def flush() -> None:
        if thresholds:
            accumulate(acc.state, stack[: len(thresholds)], thresholds, sign=chunk.sign, locks=locks,
                       encs=encs, boxes=stack_boxes(boxes), table=table)  # fmt: skip
            thresholds.clear()
            encs.clear()
            boxes.clear()

    for info in chunk.files:
        slot = stack[len(thresholds)]
        try:
            frame = decode(info, slot, prefer=prefer)
        except HotPixelsError as err:
            outcomes.append(Outcome(info, Status.FAILED, str(err)))
            continue
        if frame is not slot:
            slot[...] = frame
        out = Outcome(info, Status.ADDED, before=len(recent))
        if chunk.sign > 0 and chunk.repeats:
            thumb = thumbnail(slot)
            window = ((chunk.lookback or []) + recent)[-RECENT:]
            if repeats(thumb, window):
                out.status = Status.REPEAT
            elif chunk.lookback is None and len(recent) < RECENT:
                out.provisional, out.thumb = True, thumb
            recent.append(thumb)
        outcomes.append(out)
        enc = NEVER_SEEN - info.rank if info.rank is not None and chunk.sign > 0 else 0
        if out.status is Status.REPEAT and enc:  # not counted, but it was taken then: seen only
            accumulate(acc.state, slot[None], [frame_threshold(slot, table)], sign=0, locks=locks,
                       encs=[enc], boxes=stack_boxes([clip(slot)]), table=table)  # fmt: skip
        if out.status is Status.ADDED:
            thresholds.append(frame_threshold(slot, table))
            encs.append(enc)
            boxes.append(clip(slot))
            if len(thresholds) == len(stack):
                flush()
    flush()
    return ChunkResult(chunk.index, outcomes, recent[-RECENT:])


def chunk_size(files: int, workers: int) -> int:
    """Files per chunk: a multiple of :data:`STACK`, at most :data:`CHUNK`, and small
    enough that every worker gets about four chunks (so they finish together)."""
    stacks = files // (max(workers, 1) * STACK * 4)
    return STACK * max(1, min(stacks, CHUNK // STACK))


def _chunk(index: int, g: int, group: GroupPlan, files: list[FileInfo], **kw) -> Chunk:
    return Chunk(index, g, group.shape, group.bits, files, cfa=group.key.cfa,
                 clipping=group.strategy.clipping(group.bits, group.levels), **kw)  # fmt: skip


def chunks_of(plan: Plan, *, workers: int = 1, size: Callable[[GroupPlan], int] | None = None
              ) -> list[Chunk]:  # fmt: skip
    """Cut each group's files (in order) into chunks of :func:`chunk_size` files, or of
    ``size(group)`` files (a cluster's tasks are larger: their states travel)."""
    default = chunk_size(plan.n_files, workers)
    out: list[Chunk] = []
    for g, group in enumerate(plan.groups):
        size_g = max(1, size(group)) if size else default
        for start in range(0, len(group.files), size_g):
            out.append(_chunk(len(out), g, group, list(group.files[start : start + size_g]),
                              repeats=plan.repeats, lookback=[] if start == 0 else None))  # fmt: skip
    return out


def undo_chunks(resolver: Resolver, plan: Plan) -> list[Chunk]:
    """Chunks that subtract the frames the resolver found to repeat (index -1)."""
    undo = []
    for g, infos in resolver.undo.items():
        for start in range(0, len(infos), CHUNK):
            undo.append(_chunk(-1, g, plan.groups[g], infos[start : start + CHUNK], sign=-1,
                               repeats=False))  # fmt: skip
    return undo
