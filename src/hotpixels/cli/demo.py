"""``hotpixels demo``: the whole job on a simulated camera, no photos needed."""

from __future__ import annotations

from pathlib import Path

import click

from hotpixels.cli.options import EXIT_OK, Progress, quiet_option, run_guarded, verbose_option

__all__ = ["demo_cmd"]


@click.command("demo")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              default=Path("hotpixels-demo"), show_default=True, help="Folder for the demo's files.")
@click.option("--frames", type=click.IntRange(5, 500), default=30, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@verbose_option
@quiet_option
def demo_cmd(out, frames, seed, quiet):
    """Simulate a camera with bad pixels, find them, check the answer, repair photos.

    Needs no photos of yours and takes well under a minute. Everything goes to --out.

    \b
    Example:
      hotpixels demo --out /tmp/demo
    """

    def body() -> int:
        from hotpixels.report.text import format_evaluation, format_table
        from hotpixels.sim.demo import run_demo

        if not quiet:
            click.echo(f"Simulating a camera: {frames} photos (1600x1200 JPEG) with known defects ...")
        bar = Progress(quiet=quiet)
        res = run_demo(out, frames=frames, seed=seed, progress=bar)
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
        if res.report_path is not None:
            click.echo(f"  report      {res.report_path}   (open it in a browser)")
        else:
            click.echo('  report      not written: pip install "hotpixels[report]"')
        click.echo("\nNext: hotpixels find YOUR_PHOTOS -o my-camera.json")
        return EXIT_OK

    run_guarded(body)
