"""What every subcommand shares: -v/-q, progress on stderr, one-line errors, exit codes.

Library modules are imported inside the commands' bodies, so that ``hotpixels --help``
loads click and nothing heavy.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

from hotpixels.errors import HotPixelsError

__all__ = ["EXIT_OK", "EXIT_SOME_FAILED", "EXIT_USAGE", "Progress", "echo_err", "fail", "print_failures",
           "quiet_option", "run_guarded", "verbose_option"]  # fmt: skip

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


def _set_logging(ctx: click.Context, param: click.Parameter, value: int) -> int:
    """``-v``: the library's log (INFO) on stderr; ``-vv``: DEBUG too."""
    if value:
        logging.basicConfig(format="hotpixels: %(name)s: %(message)s", stream=sys.stderr)
        logging.getLogger("hotpixels").setLevel(logging.INFO if value == 1 else logging.DEBUG)
    return value


verbose_option = click.option("-v", "--verbose", count=True, expose_value=False, callback=_set_logging,
                              help="Show what the library does (-vv: in detail).")  # fmt: skip
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print only errors and results.")


def echo_err(message: str) -> None:
    """One line on stderr."""
    click.echo(message, err=True)


def fail(message: str, code: int = EXIT_USAGE):
    """Print ``hotpixels: error: message`` and exit with ``code``."""
    echo_err(f"hotpixels: error: {message}")
    sys.exit(code)


class Progress:
    """A progress bar on stderr (hidden when stderr is not a terminal, or ``quiet``).

    The library tells it each stage's length (``start``) and calls it once per file;
    a file that failed is said above the bar.
    """

    def __init__(self, *, quiet: bool = False):
        self.quiet = quiet
        self.bar = None
        self.begun = time.perf_counter()

    def start(self, total: int, stage: str) -> None:
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: the scan's pool may fork
        self.close()
        self.bar = tqdm(total=total, desc=stage, unit="img", file=sys.stderr,
                        disable=True if self.quiet else None, dynamic_ncols=True, leave=False)  # fmt: skip

    def __call__(self, path: Path, error: str | None) -> None:
        if error:
            if self.bar is not None:
                self.bar.write(f"skipped: {error}", file=sys.stderr)
            else:
                echo_err(f"skipped: {error}")
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> float:
        """Close the bar; return the seconds since this object was made."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        return time.perf_counter() - self.begun


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
