"""``hotpixels find``: find the defects of a camera from its photos."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from hotpixels.cli.options import (
    EXIT_OK,
    EXIT_SOME_FAILED,
    Progress,
    echo_err,
    fail,
    print_failures,
    printable,
    quiet_option,
    run_guarded,
    say,
    verbose_option,
)

__all__ = ["find_cmd"]


def _check_outputs(output: Path, report: Path | None, overwrite: bool) -> None:
    """Fail before any work when the map or the report cannot be written."""
    if output.exists() and not output.is_dir() and not overwrite:
        fail(f"{output}: exists; use --overwrite or another -o")
    if report is not None and report.exists() and not overwrite:
        fail(f"{report}: exists; use --overwrite or another --report")
    folder = output if output.is_dir() else output.parent if str(output.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        fail(f"{output}: cannot write there (no such folder, or not writable); choose another -o")


def _save(result, written: dict, quiet: bool) -> None:
    """Add every written map to the library."""
    from hotpixels.maps.library import MapLibrary

    lib = MapLibrary()
    for gm in result.maps:
        if id(gm) in written:
            entry, old = lib.add(gm.dmap)
            if not quiet:
                also = " (replacing the older map of this camera)" if old else ""
                echo_err(f"added to the library as {entry.id}{also}")


def _reports(result, written: dict, report: Path, quiet: bool) -> None:
    """Write the HTML report of every written map, with its group's photos for the crops."""
    from hotpixels.cli.report import report_paths
    from hotpixels.report.html import write_report

    done = [gm for gm in result.maps if id(gm) in written]
    for gm, target in zip(done, report_paths(report, [written[id(gm)] for gm in done]), strict=True):
        path = write_report(gm.dmap, target, gm.group.files)
        if not quiet:
            echo_err(f"report written to {path}")


def _engine(engine: str | None, scheduler: str | None, ship_bytes: bool, workers: int,
            decoder: str | None, quiet: bool):  # fmt: skip
    """The Dask engine the options ask for, or None for the local one."""
    if engine != "dask" and scheduler is None:
        if ship_bytes:
            fail("--ship-bytes is for a Dask cluster: add --engine dask or --scheduler ADDRESS")
        return None
    from hotpixels.engine.cluster import DaskEngine

    return DaskEngine(scheduler, workers=workers, decoder=decoder, ship_bytes=ship_bytes,
                      on_start=None if quiet else echo_err)  # fmt: skip


@click.command("find")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("defect-map.json"),
              show_default=True,
              help="Defect map to write (JSON; .csv for a spreadsheet). With several cameras, a "
                   "folder of that name without the extension, one map per camera named after "
                   "it; a folder (or a name ending in /) always holds the maps so.")
@click.option("--overwrite", is_flag=True, help="Replace an existing map file.")
@click.option("--top", type=click.IntRange(0), default=0,
              help="Also list the N strongest candidates below the decision line.")
@click.option("--rank", type=click.Choice(["score", "variance"]), default="score",
              show_default=True,
              help="'variance' also prints the original script's rule: the lowest-variance "
                   "subpixels (--top of them, 10 by default).")
@click.option("--keep-repeats", is_flag=True,
              help="Count every frame of a burst or time-lapse, not each scene once.")
@click.option("-j", "--workers", type=click.IntRange(1), default=None,
              help="Worker processes [default: all cores]; 1 works in this process. "
                   "The map is the same for any number. Where workers are spawned (RAW "
                   "files; not Linux), each takes about 2 s to start, so a small set runs "
                   "in fewer (one per 16 files).")
@click.option("--decoder", type=click.Choice(["auto", "simplejpeg", "pillow"]), default="auto",
              show_default=True,
              help="JPEG decoder: auto takes simplejpeg when installed (pip install "
                   "\"hotpixels[fast]\"). The map is the same with either.")
@click.option("--tmp-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the statistics while they are gathered [default: /dev/shm when "
                   "it has room, else the system's temporary folder].")
@click.option("--checkpoint", type=click.Path(path_type=Path, dir_okay=False),
              help="Save the statistics to this file as the work goes (every 5 minutes and after "
                   "each camera); a run that was stopped, even killed, continues from it when "
                   "started again with the same arguments. Removed once the maps are written.")
@click.option("--checkpoint-every", type=click.FloatRange(0), default=300.0, show_default=True,
              help="Seconds between checkpoints within one camera's photos.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default=None,
              help="Where the statistics are gathered: local processes [default], or dask: a "
                   "Dask cluster of -j worker processes started for the run (pip install "
                   "\"hotpixels[dask]\"). The map is the same.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Run on the Dask cluster of this scheduler (tcp://host:8786); implies "
                   "--engine dask. Workers open the files by path (shared storage).")
@click.option("--ship-bytes", is_flag=True,
              help="With Dask: send each file's bytes from here, for workers that cannot see "
                   "the files.")
@click.option("--json", "as_json", is_flag=True, help="Print the map(s) as JSON on stdout.")
@click.option("--save", is_flag=True,
              help="Also add each map to the library (hotpixels maps), for fix without --map.")
@click.option("--report", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write an HTML report of each map (one per camera, named after its map "
                   "when there are several); needs pip install \"hotpixels[report]\".")
@verbose_option
@quiet_option
def find_cmd(paths, output, overwrite, top, rank, keep_repeats, workers, decoder, tmp_dir, checkpoint,
             checkpoint_every, engine, scheduler, ship_bytes, as_json, save, report, quiet):  # fmt: skip
    """Find the defective pixels of a camera from many of its photos.

    PATHS are photos and folders (searched recursively for .jpg, .png, .tif and
    camera RAW files: .dng, .cr2, .nef, .arw, ...). Use photos of different scenes; 20
    or more is good, 5 is the least. Photos of another camera or size form another
    group, with its own map. RAW files are analysed on the sensor's mosaic and form
    their own group, whose map is in the RAW frame (for raw developers: hotpixels
    export); reading them needs pip install "hotpixels[raw]".

    \b
    Examples:
      hotpixels find ~/Pictures/2024 -o d80.json
      hotpixels find /archive -o maps/           # one map per camera, in maps/
      hotpixels find a.jpg b.jpg c.jpg d.jpg e.jpg --top 5
      hotpixels find photos/ --rank variance     # compare with the lowest-variance rule
      hotpixels find /archive/2019 -j 4          # four worker processes
      hotpixels find raws/ -o d750-raw.json      # RAW files: a map in the RAW frame
      hotpixels find /archive --checkpoint run.ckpt   # stop any time; the same again resumes
      hotpixels find /archive --engine dask -j 8      # a local Dask cluster of 8 workers
      hotpixels find /nfs/archive --scheduler tcp://head:8786   # an existing cluster
      hotpixels find ~/Pictures -o d80.json --report d80.html   # and an HTML report
      hotpixels find ~/Pictures -o d80.json --save   # and keep it: fix PATHS picks it
    """

    def body() -> int:
        from hotpixels.engine import LocalEngine, default_workers
        from hotpixels.pipeline import find
        from hotpixels.report.text import group_header, group_report, run_summary

        _check_outputs(output, report, overwrite)
        bar = Progress(quiet=quiet)
        prefer = None if decoder == "auto" else decoder
        n = workers or default_workers()
        chosen = _engine(engine, scheduler, ship_bytes, n, prefer, quiet) or LocalEngine(
            n, prefer, tmp_dir, checkpoint, checkpoint_every)  # fmt: skip
        if checkpoint is not None and not isinstance(chosen, LocalEngine):
            fail("--checkpoint works with the local engine; a Dask cluster reruns lost work itself")
        result = find(paths, top=top, repeats=not keep_repeats, workers=n, decoder=prefer,
                      engine=chosen, progress=bar)  # fmt: skip
        elapsed = bar.close()
        written = {id(gm): path for gm, path in result.save(output, overwrite=overwrite)}
        if checkpoint is not None:
            checkpoint.unlink(missing_ok=True)  # the maps hold it all now
        if report is not None:
            _reports(result, written, report, quiet)
        if save:
            _save(result, written, quiet)
        for i, gm in enumerate(result.maps):
            if i and (not quiet or as_json):
                echo_err("")
            if gm.dmap is None:
                echo_err(group_header(gm))
                echo_err(f"  no decision: {printable(gm.reason)}")
            elif not as_json:
                variance = (top or 10) if rank == "variance" else 0
                say(group_report(gm, written[id(gm)], top=top, variance=variance))
        if as_json:
            docs = [gm.dmap.to_dict() for gm in result.maps if gm.dmap is not None]
            click.echo(json.dumps(docs if len(docs) != 1 else docs[0], indent=1))
        print_failures(result.scan.failures)
        if not quiet:
            for line in run_summary(result, elapsed, decoder=prefer):
                echo_err(line)
        if not written:
            echo_err("no map written: no camera group had enough photos to decide")
        return EXIT_SOME_FAILED if result.scan.failures or not written else EXIT_OK

    run_guarded(body)
