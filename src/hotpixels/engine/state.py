"""The local engine's shared state: one memory-mapped file per camera group.

Each group's state (:class:`hotpixels.stats.Accumulator`, 18 bytes per subpixel) is
one zero-filled file that every worker maps: whatever the number of workers there is
one state, and nothing is shipped back. It lives in ``/dev/shm`` when that has room,
else in the temporary folder on disk (or a folder the caller names), checked before the
first frame; folders left by runs that were killed are removed at the next start. Its
pages are allocated with one ``fallocate`` and mapped with ``MAP_POPULATE``: on a
virtual machine a page fault costs microseconds.
"""

from __future__ import annotations

import contextlib
import errno
import mmap
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hotpixels.engine.plan import GroupPlan
from hotpixels.errors import OutOfSpaceError
from hotpixels.stats import Accumulator

__all__ = ["GroupState", "choose_folder", "clean_stale", "state_files"]


@dataclass
class GroupState:
    """A group's state file, mapped as an accumulator."""

    path: Path
    shape: tuple[int, int, int]
    bits: int
    capacity: int

    def open(self) -> Accumulator:
        """Map the state file (shared, writable) as an :class:`Accumulator`.

        Where the system has ``MAP_POPULATE`` the whole mapping is set up at once: a
        10 MP state has 117 000 pages (0.25 s of faults per process, 0.09 s populated).
        """
        size = Accumulator.state_bytes(self.shape, self.bits, self.capacity)
        populate = getattr(mmap, "MAP_POPULATE", 0)
        if populate:
            with open(self.path, "r+b") as fh:
                buf = mmap.mmap(fh.fileno(), size, flags=mmap.MAP_SHARED | populate)
        else:  # pragma: no cover - not Linux
            buf = np.memmap(self.path, dtype=np.uint8, mode="r+", shape=(size,))
        return Accumulator.empty(self.shape, self.bits, capacity=self.capacity, buffer=buf)


#: Room left free beside the state, in each place it may go (bytes).
_MARGIN = 64 * 2**20
_PREFIX = "hotpixels-"


def _free(folder: str) -> int:
    try:
        st = os.statvfs(folder)
    except OSError:
        return 0
    return st.f_bavail * st.f_frsize


def _places(tmp_dir: str | Path | None) -> list[str]:
    """Where the state may go, in order: ``tmp_dir`` if given; else ``/dev/shm`` (memory,
    when it exists and is writable), then the system's temporary folder (disk)."""
    if tmp_dir is not None:
        return [str(tmp_dir)]
    shm = "/dev/shm"
    out = [shm] if os.path.isdir(shm) and os.access(shm, os.W_OK) else []
    return [*out, tempfile.gettempdir()]


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def choose_folder(size: int, tmp_dir: str | Path | None = None) -> str:
    """The first place of :func:`_places` with room for ``size`` bytes of state.

    Raises
    ------
    OutOfSpaceError
        When none has room; the message says how much is needed and where.
    """
    places = _places(tmp_dir)
    for place in places:
        clean_stale(place)
        if _free(place) >= size + _MARGIN:
            return place
    have = ", ".join(f"{p} has {_mb(_free(p))}" for p in places)
    msg = (f"the statistics need {_mb(size + _MARGIN)} of room and {have}; give a temporary "
           "folder with room (tmp_dir)")  # fmt: skip
    raise OutOfSpaceError(msg)


def clean_stale(place: str) -> None:
    """Remove the state folders that runs which no longer exist left in ``place``."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(place):
            parts = entry.name.split("-")
            if not (entry.name.startswith(_PREFIX) and len(parts) >= 3 and parts[1].isdigit()):
                continue
            pid = int(parts[1])
            if pid != os.getpid() and not _alive(pid):
                shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


@contextlib.contextmanager
def state_files(groups: list[GroupPlan], tmp_dir: str | Path | None = None
                ) -> Iterator[dict[int, GroupState]]:  # fmt: skip
    """Create one zeroed state file per group, where there is room (:func:`choose_folder`).

    Yields ``{group index: GroupState}``; the files are deleted on exit, however it
    comes (mapped states stay valid until released).

    Raises
    ------
    OutOfSpaceError
        Before anything is written, when no place has room; or when the file system
        refuses the pages after all.
    """
    layouts = [(g.shape, g.bits, len(g.files)) for g in groups]
    size = sum(Accumulator.state_bytes(*layout) for layout in layouts)
    folder = tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=choose_folder(size, tmp_dir))
    try:
        states = {}
        for i, (shape, bits, capacity) in enumerate(layouts):
            gs = GroupState(Path(folder) / f"group{i}.state", shape, bits, capacity)
            with open(gs.path, "wb") as fh:
                fh.truncate(Accumulator.state_bytes(shape, bits, capacity))
                _allocate(fh.fileno(), Accumulator.state_bytes(shape, bits, capacity), folder)
            states[i] = gs
        yield states
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _allocate(fd: int, size: int, folder: str) -> None:
    """Give a state file its (zeroed) pages now, in one call rather than one fault per
    page in every worker; a file system without the call gives pages on first use, but
    one without room is an error here, not a bus error later."""
    if not hasattr(os, "posix_fallocate"):  # pragma: no cover - not Linux
        return
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError as err:
        if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            msg = (f"{folder}: no room for {_mb(size)} of statistics ({err.strerror}); give a "
                   "folder with room (tmp_dir)")  # fmt: skip
            raise OutOfSpaceError(msg) from err
