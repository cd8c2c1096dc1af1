"""``hotpixels demo``: the whole job on a simulated camera, no photos needed."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tqdm import tqdm

from hotpixels.cli._common import EXIT_OK, run_guarded
from hotpixels.cli.evaluate import format_evaluation
from hotpixels.cli.find import format_table
from hotpixels.demo import run_demo


@click.command("demo")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              default=Path("hotpixels-demo"), show_default=True, help="Folder for the demo's files.")
@click.option("--frames", type=click.IntRange(5, 500), default=30, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
def demo_cmd(out, frames, seed):
    """Simulate a camera with bad pixels, find them, check the answer, repair photos.

    Needs no photos of yours and takes well under a minute. Everything goes to --out.

    \b
    Example:
      hotpixels demo --out /tmp/demo
    """

    def body() -> int:
        bars: dict[str, tqdm] = {}

        def progress(stage, done, total):
            bar = bars.get(stage)
            if bar is None:
                bar = bars[stage] = tqdm(total=total, desc=stage, unit="img", leave=False,
                                         file=sys.stderr, disable=None)
            bar.n = done
            bar.refresh()

        click.echo(f"Simulating a camera: {frames} photos (1600x1200 JPEG) with known defects ...")
        res = run_demo(out, frames=frames, seed=seed, progress=progress)
        for bar in bars.values():
            bar.close()
        click.echo(f"\nFound {len(res.dmap.defects)} defects in {res.dmap.frames} photos:")
        click.echo(format_table(res.dmap))
        click.echo("\nAgainst the simulation's truth:")
        click.echo(format_evaluation(res.evaluation))
        click.echo(f"\nRepaired {len(res.fixed.written)} photos "
                   f"({len(res.dmap.repair_pixels())} pixels each): mean error at the repaired "
                   f"pixels against the defect-free twins {res.error_before:.1f} -> "
                   f"{res.error_after:.1f} levels.")  # fmt: skip
        click.echo(f"\nFiles:\n  photos      {out / 'photos'} (truth.json, clean/ twins)\n"
                   f"  defect map  {res.map_path}\n  repaired    {out / 'fixed'}")  # fmt: skip
        click.echo("\nNext: hotpixels find YOUR_PHOTOS -o my-camera.json")
        return EXIT_OK

    run_guarded(body)
