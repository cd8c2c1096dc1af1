"""``hotpixels evaluate``: score a defect map against a simulation's truth."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hotpixels.cli.options import EXIT_OK, quiet_option, run_guarded, verbose_option

__all__ = ["evaluate_cmd"]


@click.command("evaluate")
@click.argument("map_path", metavar="MAP", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("truth", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--radius", type=click.IntRange(0), default=None,
              help="Largest distance in pixels of a match [default: 2; 0 for a RAW map].")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@verbose_option
@quiet_option
def evaluate_cmd(map_path, truth, radius, as_json, quiet):
    """Precision, recall and F1 of a defect MAP against a simulation's TRUTH.json.

    \b
    Example:
      hotpixels simulate sim && hotpixels find sim -o sim.json
      hotpixels evaluate sim.json sim/truth.json
    """

    def body() -> int:
        from hotpixels.maps.model import DefectMap
        from hotpixels.report.text import format_evaluation
        from hotpixels.sim.evaluate import evaluate

        ev = evaluate(DefectMap.load(map_path), truth, radius=radius)
        click.echo(json.dumps(ev.to_dict(), indent=1) if as_json else format_evaluation(ev))
        return EXIT_OK

    run_guarded(body)
