"""``hotpixels find``: find the defects of a camera from its photos."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from hotpixels.cli._common import (
    EXIT_OK,
    EXIT_SOME_FAILED,
    Progress,
    echo_err,
    fail,
    print_failures,
    quiet_option,
    run_guarded,
    verbose_option,
)
from hotpixels.defectmap import DefectMap
from hotpixels.detect import variance_ranking
from hotpixels.io.decode import decoder_name
from hotpixels.scan import default_workers, discover, find


def format_table(dmap: DefectMap, defects=None) -> str:
    """The defects as an aligned text table."""
    rows = defects if defects is not None else dmap.defects
    lines = [f"{'x':>6} {'y':>6}  {'kind':<6} {'score':>7}  {'ch':<3} {'frames':>6}  members"]
    for d in rows:
        lines.append(f"{d.x:>6} {d.y:>6}  {d.kind:<6} {d.score:>7.2f}  {d.channel:<3} "
                     f"{d.frames if d.frames is not None else '':>6}  {len(d.members)}")  # fmt: skip
    return "\n".join(lines)


def _group_path(base: Path, index: int, label: str) -> Path:
    if index == 0:
        return base
    slug = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-")
    return base.with_name(f"{base.stem}-{slug}{base.suffix}")


def _say_mixed(maps, quiet: bool) -> None:
    """Say when RAW files and developed photos of one camera were kept apart."""
    kinds: dict[tuple[str, str, str], set[str]] = {}
    for group, _, _ in maps:
        kinds.setdefault((group.key.make, group.key.model, group.key.serial), set()).add(
            group.key.frame)
    if not quiet and any(len(v) > 1 for v in kinds.values()):
        echo_err("RAW files and developed photos of one camera are two groups with two maps: "
                 "the RAW map is in the sensor's RAW frame, the other in the photos' frame.")


@click.command("find")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("defect-map.json"),
              show_default=True, help="Defect map to write (JSON; .csv for a spreadsheet).")
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
@click.option("--json", "as_json", is_flag=True, help="Print the map(s) as JSON on stdout.")
@verbose_option
@quiet_option
def find_cmd(paths, output, overwrite, top, rank, keep_repeats, workers, decoder, as_json, verbose,
             quiet):  # fmt: skip
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
      hotpixels find a.jpg b.jpg c.jpg d.jpg e.jpg --top 5
      hotpixels find photos/ --rank variance     # compare with the lowest-variance rule
      hotpixels find /archive/2019 -j 4          # four worker processes
      hotpixels find raws/ -o d750-raw.json      # RAW files: a map in the RAW frame
    """

    def body() -> int:
        files, _ = discover(paths)
        if not files:
            fail(f"no image files found in {', '.join(map(str, paths))}")
        if output.exists() and not overwrite:
            fail(f"{output}: exists; use --overwrite or another -o")
        bar = Progress(len(files), "reading", quiet=quiet)
        n_workers = workers or default_workers()
        result, maps = find(paths, top=top, repeats=not keep_repeats, workers=n_workers,
                            decoder=None if decoder == "auto" else decoder, progress=bar)  # fmt: skip
        elapsed = bar.close()
        docs = []
        for i, (group, dmap, reason) in enumerate(maps):
            label = group.key.label()
            extra = f", {len(group.repeats)} repeat(s) of a scene counted once" if group.repeats else ""
            if not quiet or as_json:
                echo_err("") if i else None
            header = f"{label}: {len(group.files)} photo(s){extra}"
            if dmap is None:
                echo_err(f"{header}\n  no decision: {reason}")
                continue
            target = _group_path(output, i, label)
            if i and target.exists() and not overwrite:
                fail(f"{target}: exists; use --overwrite or another -o")
            dmap.save(target)
            docs.append(dmap.to_dict())
            if as_json:
                continue
            click.echo(header)
            if dmap.defects:
                click.echo(format_table(dmap))
                counts = ", ".join(f"{k} {v}" for k, v in dmap.counts().items() if v)
                click.echo(f"{len(dmap.defects)} defect(s): {counts}. Map written to {target}")
                for d in (d for d in dmap.defects if d.first_seen):
                    click.echo(f"  {d.x},{d.y} appeared during the series: first seen "
                               f"{d.first_seen:%Y-%m-%d %H:%M}")  # fmt: skip
            else:
                click.echo(f"No defects: every pixel behaves like its neighbours. "
                           f"Map written to {target}")  # fmt: skip
            if top and dmap.near_misses:
                click.echo("Strongest candidates below the decision line (score < 1):")
                click.echo(format_table(dmap, dmap.near_misses))
            if rank == "variance":
                n = top or 10
                click.echo(f"Lowest temporal variance (the original script's rule), {n}:")
                cfa = group.key.cfa if group.key.frame == "raw" else None
                for x, y, ch, var in variance_ranking(group.acc, n, cfa=cfa):
                    click.echo(f"{x:>6} {y:>6}  {ch:<3} variance {var:.2f}")
        _say_mixed(maps, quiet)
        if as_json:
            click.echo(json.dumps(docs if len(docs) != 1 else docs[0], indent=1))
        print_failures(result.failures)
        if result.skipped and not quiet:
            echo_err(f"skipped {len(result.skipped)} earlier output(s) of hotpixels fix (c_NAME "
                     "beside NAME): a repaired copy is no new photo")  # fmt: skip
        if not quiet:
            n = result.n_read
            names = {"rawpy"} if any(g.key.frame == "raw" for g in result.groups) else set()
            if any(g.key.frame != "raw" for g in result.groups) or not names:
                names.add(decoder_name(prefer=None if decoder == "auto" else decoder))
            echo_err(f"read {n} photo(s) in {elapsed:.1f} s ({n / max(elapsed, 1e-9):.1f}/s, "
                     f"{result.workers} worker(s), {' + '.join(sorted(names))}), "
                     f"{len(result.failures)} failed, {len(maps)} camera group(s)")  # fmt: skip
        return EXIT_SOME_FAILED if result.failures else EXIT_OK

    run_guarded(body)
