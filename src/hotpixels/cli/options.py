"""What every subcommand shares: -v/-q, progress on stderr, one-line errors, exit codes.

Library modules are imported inside the commands' bodies, so that ``hotpixels --help``
loads click and nothing heavy.
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import click

from hotpixels.errors import HotPixelsError

__all__ = ["EXIT_BUG", "EXIT_OK", "EXIT_SOME_FAILED", "EXIT_USAGE", "Progress", "echo_err", "fail",
           "print_failures", "printable", "quiet_option", "run_guarded", "say", "verbose_option"]  # fmt: skip

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """``text`` with control characters (a newline in a file name, say) escaped."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def say(message: str) -> None:
    """Result lines on stdout (control characters within a line escaped)."""
    click.echo("\n".join(printable(line) for line in message.split("\n")))


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
    """Lines on stderr (control characters within a line escaped)."""
    click.echo("\n".join(printable(line) for line in message.split("\n")), err=True)


def fail(message: str, code: int = EXIT_USAGE):
    """Print ``hotpixels: error: message`` (one line) and exit with ``code``."""
    echo_err(f"hotpixels: error: {printable(message)}")
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
        if self.bar is not None:  # failures are listed once, at the end
            self.bar.update(1)

    def close(self) -> float:
        """Close the bar; return the seconds since this object was made."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        return time.perf_counter() - self.begun


class Stopped(BaseException):
    """SIGTERM or SIGHUP: unwinds like Ctrl-C, so that every ``finally`` cleans up."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop(signum, frame) -> None:
    raise Stopped(signum)


def _crash_log() -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    fd, name = tempfile.mkstemp(prefix=f"hotpixels-crash-{stamp}-", suffix=".log")
    with open(fd, "w") as fh:
        fh.write(traceback.format_exc())
    return Path(name)


def run_guarded(func: Callable[[], int]) -> None:
    """Run a command body. Library errors become one-line messages (exit 2); Ctrl-C,
    SIGTERM and SIGHUP stop it cleanly (130, 128 + signal); anything else is a bug:
    one line, the traceback in a log file, exit 3."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None:
                signal.signal(sig, _stop)
    try:
        code = func()
    except HotPixelsError as err:
        fail(str(err), EXIT_USAGE)
    except KeyboardInterrupt:
        fail("interrupted; outputs written so far are complete, nothing half-written (with "
             "--checkpoint, the same command continues where it stopped)", 130)
    except Stopped as stop:
        name = signal.Signals(stop.signum).name
        fail(f"stopped by {name}; outputs written so far are complete, nothing half-written (with "
             "--checkpoint, the same command continues where it stopped)", 128 + stop.signum)
    except Exception as err:  # a bug: say it in one line and keep the details
        log = _crash_log()
        fail(f"internal error ({type(err).__name__}: {err}); please report it with {log}", EXIT_BUG)
    sys.exit(code)


def print_failures(failures) -> None:
    """List failed inputs at the end of a run."""
    if failures:
        echo_err(f"{len(failures)} file(s) could not be used:")
        for _, message in failures:
            echo_err(f"  {printable(message)}")
