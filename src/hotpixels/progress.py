"""How long work reports progress: a callable per item, told the total first if it asks.

Any callable ``progress(path, error)`` works (called once per file, ``error`` a
one-line message or None); an object that also has ``start(total, stage)`` is told how
many files a stage will report before its first one (a progress bar's length).

Examples
--------
>>> seen = []
>>> started(seen.append, 3, "reading")  # a plain callable has no start: nothing happens
>>> seen
[]
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

__all__ = ["Progress", "started"]


class Progress(Protocol):
    """What long-running functions call: ``start`` once per stage, then once per file."""

    def start(self, total: int, stage: str) -> None: ...

    def __call__(self, path: Path, error: str | None) -> None: ...


def started(progress: Progress | Callable | None, total: int, stage: str) -> None:
    """Tell ``progress`` that a stage of ``total`` files begins, if it wants to know."""
    start = getattr(progress, "start", None)
    if start is not None:
        start(total, stage)
