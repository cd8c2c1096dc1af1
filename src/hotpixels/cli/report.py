"""``hotpixels report``: one self-contained HTML file that shows a defect map."""

from __future__ import annotations

from pathlib import Path

import click

from hotpixels.cli.options import EXIT_OK, fail, quiet_option, run_guarded, verbose_option

__all__ = ["report_cmd", "report_paths"]


def report_paths(report: Path, maps: list[Path]) -> list[Path]:
    """Where the reports of ``maps`` go: ``report`` itself for one map, else one file per
    map beside it, named after the map (``report-<map name>.html``)."""
    if len(maps) == 1:
        return [report]
    return [report.with_name(f"{report.stem}-{m.stem}{report.suffix or '.html'}") for m in maps]


@click.command("report")
@click.argument("map_path", metavar="MAP", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--photos", "photos", multiple=True, type=click.Path(path_type=Path),
              help="Photos or folders of the camera (RAW files for a RAW map), for the "
                   "before/after crops; repeat for more.")  # fmt: skip
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="HTML file to write. Default: beside MAP, MAP's name with .html.")
@click.option("--crops", type=click.IntRange(0, 500), default=24, show_default=True,
              help="Most defects shown as enlarged crops, strongest first.")
@click.option("--overwrite", is_flag=True, help="Replace an existing report.")
@verbose_option
@quiet_option
def report_cmd(map_path, photos, output, crops, overwrite, quiet):
    """Write an HTML report of a defect map: where the defects sit on the sensor, a
    sortable table, each defect before and after repair, and when they appeared.

    The file is self-contained (images embedded, no network): open it from disk, print
    it, attach it to a warranty claim or a forum post. Needs pip install "hotpixels[report]".

    \b
    Examples:
      hotpixels report d80.json --photos ~/Pictures/2024 -o d80.html
      hotpixels report raw-map.json --photos raws/        # RAW crops, developed by LibRaw
      hotpixels find ~/Pictures -o d80.json --report d80.html   # in one go
    """

    def body() -> int:
        from hotpixels.io.discover import discover
        from hotpixels.maps.model import DefectMap
        from hotpixels.report.html import write_report

        dmap = DefectMap.load(map_path)
        target = output or map_path.with_suffix(".html")
        if target.exists() and not overwrite:
            fail(f"{target}: exists; use --overwrite or another -o")
        found = discover(photos) if photos else None
        for path, reason in found.failures if found else []:
            fail(f"{path}: {reason}")
        files = [f for f, _, _ in found.files] if found else []
        written = write_report(dmap, target, files, limit=crops)
        if not quiet:
            click.echo(f"report of {len(dmap.defects)} defect(s) written to {written} "
                       f"({written.stat().st_size // 1024} kB)")  # fmt: skip
        return EXIT_OK

    run_guarded(body)
