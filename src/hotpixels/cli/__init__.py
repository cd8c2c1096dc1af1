"""The ``hotpixels`` command: one click group, one module per subcommand.

Each subcommand parses its options, calls one library function and prints what it
returns; the library is imported inside the commands, so ``hotpixels --help`` is fast.
"""

from __future__ import annotations

import click

from hotpixels._version import __version__
from hotpixels.cli.cameras import cameras_cmd
from hotpixels.cli.demo import demo_cmd
from hotpixels.cli.evaluate import evaluate_cmd
from hotpixels.cli.export import export_cmd
from hotpixels.cli.find import find_cmd
from hotpixels.cli.fix import fix_cmd
from hotpixels.cli.import_ import import_cmd
from hotpixels.cli.maps import maps_cmd
from hotpixels.cli.report import report_cmd
from hotpixels.cli.simulate import simulate_cmd

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hotpixels")
def cli() -> None:
    """Find the defective pixels of a camera from its photos, and repair them.

    \b
    Start here:
      hotpixels demo                         simulate a camera, find, evaluate, repair
      hotpixels cameras ~/Pictures           which cameras took the photos (headers only)
      hotpixels find ~/Pictures -o map.json  find the defects of your camera
      hotpixels fix --map map.json ~/Pictures/2024 --out-dir fixed
      hotpixels fix photo.jpg 1500,1271      repair one pixel, write c_photo.jpg
      hotpixels find raws/ -o raw.json && hotpixels export raw.json -f dcraw
                                             a list for dcraw, LibRaw, rawpy
      hotpixels report map.json --photos ~/Pictures -o map.html
                                             see the defects: one HTML file to share
      hotpixels maps add map.json && hotpixels fix ~/Pictures/2025
                                             keep maps by camera; fix picks the right one
    Every command takes -v (say what the library does) and -q (results and errors only).
    """


for _cmd in (find_cmd, fix_cmd, cameras_cmd, export_cmd, report_cmd, maps_cmd, import_cmd, simulate_cmd,
             evaluate_cmd, demo_cmd):
    cli.add_command(_cmd)


def main() -> None:
    """Entry point of the console script and of ``python -m hotpixels``."""
    cli(prog_name="hotpixels")
