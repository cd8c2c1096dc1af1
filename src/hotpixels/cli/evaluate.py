"""``hotpixels evaluate``: score a defect map against a simulation's truth."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hotpixels.cli._common import EXIT_OK, run_guarded
from hotpixels.defectmap import DefectMap
from hotpixels.evaluate import Evaluation, evaluate


def format_evaluation(ev: Evaluation) -> str:
    """Text summary: overall and per-kind figures."""
    lines = [f"precision {ev.precision:.3f}  recall {ev.recall:.3f}  F1 {ev.f1:.3f}  "
             f"({ev.true_positives} found, {ev.false_positives} spurious, "
             f"{ev.false_negatives} missed; kind right for {ev.kind_agreement:.0%})"]  # fmt: skip
    for kind, row in ev.by_kind.items():
        def fmt(v):
            return "  -  " if v is None else f"{v:.3f}"

        lines.append(f"  {kind:<6} true {row['true']:>3}  found {row['found']:>3}  "
                     f"recall {fmt(row['recall'])}  precision {fmt(row['precision'])}")  # fmt: skip
    for t in ev.missed:
        lines.append(f"  missed: {t['kind']} at {t['x']},{t['y']} {t.get('note', '')}".rstrip())
    for x, y, k in ev.spurious:
        lines.append(f"  spurious: {k} at {x},{y}")
    return "\n".join(lines)


@click.command("evaluate")
@click.argument("map_path", metavar="MAP", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("truth", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--radius", type=click.IntRange(0), default=None,
              help="Largest distance in pixels of a match [default: 2; 0 for a RAW map].")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate_cmd(map_path, truth, radius, as_json):
    """Precision, recall and F1 of a defect MAP against a simulation's TRUTH.json.

    \b
    Example:
      hotpixels simulate sim && hotpixels find sim -o sim.json
      hotpixels evaluate sim.json sim/truth.json
    """

    def body() -> int:
        ev = evaluate(DefectMap.load(map_path), truth, radius=radius)
        click.echo(json.dumps(ev.to_dict(), indent=1) if as_json else format_evaluation(ev))
        return EXIT_OK

    run_guarded(body)
