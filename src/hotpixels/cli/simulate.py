"""``hotpixels simulate``: a camera with known defects."""

from __future__ import annotations

from pathlib import Path

import click

from hotpixels.cli.options import EXIT_OK, Progress, quiet_option, run_guarded, verbose_option

__all__ = ["simulate_cmd"]


@click.command("simulate")
@click.argument("out", type=click.Path(path_type=Path, file_okay=False))
@click.option("--frames", type=click.IntRange(1), default=40, show_default=True)
@click.option("--size", default="1600x1200", show_default=True, help="WIDTHxHEIGHT, even.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--burst", type=click.IntRange(0), default=0,
              help="The first N frames are a tripod burst of one scene with static lights.")
@click.option("--iso", type=click.IntRange(50, 102400), default=None,
              help="Fixed ISO (default: each frame draws 100..3200).")
@click.option("--no-defects", is_flag=True, help="A perfect sensor.")
@click.option("--clean", is_flag=True, help="Also write defect-free twins in OUT/clean.")
@click.option("--format", "fmt", type=click.Choice(["jpeg", "png"]), default="jpeg",
              show_default=True)
@click.option("--raw", is_flag=True,
              help='Also write each frame as a DNG RAW file (needs pip install "hotpixels[raw]").')
@click.option("--xtrans", is_flag=True, help="A Fujifilm X-Trans (6x6) sensor instead of RGGB.")
@verbose_option
@quiet_option
def simulate_cmd(out, frames, size, seed, burst, iso, no_defects, clean, fmt, raw, xtrans, quiet):
    """Simulate a camera with known defects and write its photos and truth.json.

    Scenes change from frame to frame (texture, edges, moving point lights, sky, dark
    areas); the sensor is an RGGB (or, with --xtrans, X-Trans) mosaic with shot and read
    noise and hot, warm, stuck and dead photosites; photos are demosaiced and saved as
    JPEG (mixed quality, 4:2:0 and 4:4:4) with EXIF. The model is documented in hotpixels.sim.camera.

    \b
    Examples:
      hotpixels simulate sim --frames 40 --seed 1
      hotpixels simulate burst --frames 60 --burst 40 --clean
      hotpixels simulate rawsim --frames 20 --raw
      hotpixels simulate fuji --frames 30 --size 1920x1440 --raw --xtrans
      hotpixels find sim -o sim.json && hotpixels evaluate sim.json sim/truth.json
    """

    def body() -> int:
        from hotpixels.sim.camera import simulate
        from hotpixels.sim.style import CameraStyle

        bar = Progress(quiet=quiet)
        bar.start(frames, "simulating")
        res = simulate(out, frames=frames, size=size, seed=seed, defects=not no_defects,
                       burst=burst, iso=iso, fmt=fmt, clean=clean, raw=raw,
                       style=CameraStyle(xtrans=xtrans), progress=lambda i: bar(out, None))  # fmt: skip
        bar.close()
        if not quiet:
            dng = f" and {len(res.raw_frames)} DNG files" if raw else ""
            click.echo(f"{len(res.frames)} photos{dng} in {out}, {len(res.defects)} defects "
                       f"in {res.truth_path}")  # fmt: skip
        return EXIT_OK

    run_guarded(body)
