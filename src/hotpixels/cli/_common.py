"""Options, progress and error reporting shared by the subcommands."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import click
from tqdm import tqdm

from hotpixels.errors import HotPixelsError

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2

verbose_option = click.option("-v", "--verbose", count=True, help="Say more.")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print only errors and results.")


def echo_err(message: str) -> None:
    """One line on stderr."""
    click.echo(message, err=True)


def fail(message: str, code: int = EXIT_USAGE):
    """Print ``hotpixels: error: message`` and exit with ``code``."""
    echo_err(f"hotpixels: error: {message}")
    sys.exit(code)


class Progress:
    """A progress bar on stderr (hidden when stderr is not a terminal) with a summary."""

    def __init__(self, total: int, desc: str, *, quiet: bool = False):
        tqdm.monitor_interval = 0  # no monitor thread: the scan's pool may fork
        self.start = time.perf_counter()
        self.bar = tqdm(total=total, desc=desc, unit="img", file=sys.stderr,
                        disable=True if quiet else None, dynamic_ncols=True, leave=False)  # fmt: skip

    def __call__(self, path: Path, error: str | None) -> None:
        if error:
            self.bar.write(f"skipped: {error}", file=sys.stderr)
        self.bar.update(1)

    def close(self) -> float:
        """Close the bar and return the elapsed seconds."""
        self.bar.close()
        return time.perf_counter() - self.start


def run_guarded(func: Callable[[], int]) -> None:
    """Run a command body; library errors become one-line messages, exit code 2."""
    try:
        code = func()
    except HotPixelsError as err:
        fail(str(err), EXIT_USAGE)
    except KeyboardInterrupt:
        fail("interrupted; outputs written so far are complete, nothing half-written", 130)
    sys.exit(code)


def print_failures(failures) -> None:
    """List failed inputs at the end of a run."""
    if failures:
        echo_err(f"{len(failures)} file(s) could not be used:")
        for _, message in failures:
            echo_err(f"  {message}")
