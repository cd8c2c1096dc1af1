"""``hotpixels cameras``: which cameras took the photos, from their headers alone."""

from __future__ import annotations

from pathlib import Path

import click

from hotpixels.cli.options import (
    EXIT_OK,
    EXIT_SOME_FAILED,
    Progress,
    print_failures,
    quiet_option,
    run_guarded,
    say,
    verbose_option,
)

__all__ = ["cameras_cmd"]


@click.command("cameras")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@verbose_option
@quiet_option
def cameras_cmd(paths, quiet):
    """List the camera groups of PATHS: photos, dates and frame size of each.

    Reads headers only (no pixel is decoded), so it is quick on a whole archive. Each
    group gets its own map from hotpixels find.

    \b
    Examples:
      hotpixels cameras ~/Pictures
      hotpixels cameras /archive/2019 /archive/2020
    """

    def body() -> int:
        from hotpixels.engine import make_plan
        from hotpixels.report.text import format_cameras

        bar = Progress(quiet=quiet)
        plan = make_plan(paths, progress=bar)
        bar.close()
        say(format_cameras(plan))
        print_failures(plan.failures)
        return EXIT_SOME_FAILED if plan.failures else EXIT_OK

    run_guarded(body)
