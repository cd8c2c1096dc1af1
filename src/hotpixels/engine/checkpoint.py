"""Checkpoints of the local engine: a run killed at any moment continues where it was.

A checkpoint is one ``.npz`` file, replaced atomically (written beside itself, then
renamed), so that it always holds a consistent state: the sums of every group after the
first ``done`` chunks (with their repeats already subtracted), each settled chunk's
outcomes, and the thumbnails the repeat check needs next. It names the plan it belongs
to by a fingerprint of the files (path, size, modification time), their chunks and the
options that change the sums; a checkpoint of another plan is refused, never merged.

Examples
--------
>>> import tempfile, numpy as np
>>> from pathlib import Path
>>> acc = Accumulator.empty((2, 3, 1), 8)
>>> acc.s1[:] = 7
>>> path = Path(tempfile.mkdtemp()) / "run.ckpt"
>>> save(path, "abc", {0: acc}, Saved(done=1, outcomes={0: [("added", None)]}))
>>> fresh = Accumulator.empty((2, 3, 1), 8)
>>> load(path, "abc", {0: fresh}).done, int(fresh.s1.sum())
(1, 42)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hotpixels._version import __version__
from hotpixels.errors import HotPixelsError, ParameterError
from hotpixels.stats import STATE_FIELDS, Accumulator

__all__ = ["Saved", "fingerprint", "load", "save"]



@dataclass
class Saved:
    """What a checkpoint holds besides the sums."""

    done: int = 0  # chunks settled, in order
    outcomes: dict[int, list[tuple[str, str | None]]] = field(default_factory=dict)  # by chunk
    undone: list[tuple[str, str]] = field(default_factory=list)  # failures when subtracting
    recent: dict[int, list[np.ndarray]] = field(default_factory=dict)  # thumbnails, by group


def fingerprint(plan, chunks) -> str:
    """A name for the run: the version, the options that change the sums, and every
    file (path, size, modification time) in its chunk."""
    h = hashlib.sha256(f"{__version__} repeats={plan.repeats}".encode())
    for chunk in chunks:
        h.update(f"|{chunk.group}:{chunk.shape}:{chunk.bits}".encode())
        for info in chunk.files:
            try:
                st = info.path.stat()
                h.update(f"{info.path}\0{st.st_size}\0{st.st_mtime_ns}".encode())
            except OSError:
                h.update(f"{info.path}\0gone".encode())
    return h.hexdigest()


def save(path: Path, fp: str, states: dict[int, Accumulator], saved: Saved) -> None:
    """Write a checkpoint atomically (a killed write leaves the previous one)."""
    meta = {"fingerprint": fp, "done": saved.done,
            "outcomes": {str(k): v for k, v in saved.outcomes.items()}, "undone": saved.undone,
            "recent": {str(g): len(t) for g, t in saved.recent.items()}}  # fmt: skip
    arrays = {f"g{g}_{name}": getattr(acc, name) for g, acc in states.items() for name in STATE_FIELDS}
    for g, thumbs in saved.recent.items():
        arrays.update({f"t{g}_{i}": t for i, t in enumerate(thumbs)})
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load(path: Path, fp: str, states: dict[int, Accumulator]) -> Saved:
    """Read a checkpoint of this run into ``states`` (the sums) and return the rest.

    Raises
    ------
    ParameterError
        When the checkpoint belongs to another run (other files or options) or is
        unreadable: nothing is loaded.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            if meta.get("fingerprint") != fp:
                msg = (f"{path}: a checkpoint of another run (other files, options or version); "
                       "give another checkpoint file, or remove this one to start afresh")  # fmt: skip
                raise ParameterError(msg)
            for g, acc in states.items():
                for name in STATE_FIELDS:
                    getattr(acc, name)[...] = data[f"g{g}_{name}"]
            recent = {int(g): [data[f"t{g}_{i}"] for i in range(n)] for g, n in meta["recent"].items()}
    except HotPixelsError:
        raise
    except (OSError, ValueError, KeyError) as err:
        msg = f"{path}: not a readable checkpoint ({err}); remove it to start afresh"
        raise ParameterError(msg) from err
    outcomes = {int(k): [tuple(o) for o in v] for k, v in meta["outcomes"].items()}
    return Saved(meta["done"], outcomes, [tuple(u) for u in meta["undone"]], recent)
