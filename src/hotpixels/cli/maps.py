"""``hotpixels maps``: the library of maps, one per camera, that ``fix`` picks from."""

from __future__ import annotations

from pathlib import Path

import click

from hotpixels.cli.options import EXIT_OK, quiet_option, run_guarded, verbose_option

__all__ = ["maps_cmd"]


@click.group("maps")
def maps_cmd() -> None:
    """Keep maps by camera, so that fix needs no --map.

    The library is a folder in your user data folder (or $HOTPIXELS_LIBRARY), one map
    per camera: make, model, serial, size and frame (photo or RAW). hotpixels fix
    PATHS without --map repairs each photo with its camera's map.

    \b
    Examples:
      hotpixels maps add d80.json
      hotpixels find ~/Pictures/2024 -o d80.json --save   # find and add in one go
      hotpixels maps list
      hotpixels fix ~/Pictures/2025 --out-dir fixed       # each photo with its camera's map
      hotpixels maps rm 3fa2c1d0
    """


@maps_cmd.command("add")
@click.argument("map_paths", metavar="MAP...", nargs=-1, required=True,
                type=click.Path(path_type=Path, dir_okay=False))  # fmt: skip
@verbose_option
@quiet_option
def add_cmd(map_paths, quiet):
    """Add maps to the library (a newer map of the same camera replaces the older)."""

    def body() -> int:
        from hotpixels.maps.library import MapLibrary
        from hotpixels.maps.model import DefectMap

        lib = MapLibrary()
        maps = [DefectMap.load(p) for p in map_paths]  # every file checked before any is added
        for path, dmap in zip(map_paths, maps, strict=True):
            entry, old = lib.add(dmap)
            if not quiet:
                also = f"; replaces the map added {old.added:%Y-%m-%d %H:%M}" if old else ""
                click.echo(f"{path}: added as {entry.id} ({entry.camera}, {dmap.width}x{dmap.height} "
                           f"{dmap.frame}, {len(dmap.defects)} defect(s)){also}")  # fmt: skip
        return EXIT_OK

    run_guarded(body)


@maps_cmd.command("list")
@verbose_option
@quiet_option
def list_cmd(quiet):
    """List the library's maps, newest first, with their provenance."""

    def body() -> int:
        from hotpixels.maps.library import MapLibrary

        lib = MapLibrary()
        entries = lib.entries()
        if not entries:
            click.echo(f"the library {lib.root} holds no maps (add one: hotpixels maps add MAP)")
            return EXIT_OK
        click.echo(f"{'id':<9} {'camera':<28} {'serial':<12} {'size':>11} {'frame':<6} {'defects':>7} "
                   f"{'photos':>6}  {'taken':<23}  added")  # fmt: skip
        for e in entries:
            d = e.dmap
            taken = " to ".join(f"{t:%Y-%m-%d}" for t in (d.first_taken, d.last_taken) if t) or "-"
            click.echo(f"{e.id:<9} {e.camera[:28]:<28} {d.camera.serial[:12] or '-':<12} "
                       f"{f'{d.width}x{d.height}':>11} {d.frame!s:<6} {len(d.defects):>7} {d.frames:>6}  "
                       f"{taken:<23}  {e.added:%Y-%m-%d %H:%M}")  # fmt: skip
        if not quiet:
            click.echo(f"({len(entries)} map(s) in {lib.root})")
        return EXIT_OK

    run_guarded(body)


@maps_cmd.command("rm")
@click.argument("entry_id", metavar="ID")
@verbose_option
@quiet_option
def rm_cmd(entry_id, quiet):
    """Remove a map from the library by its id (or the start of it)."""

    def body() -> int:
        from hotpixels.maps.library import MapLibrary

        entry = MapLibrary().remove(entry_id)
        if not quiet:
            click.echo(f"removed {entry.id} ({entry.camera}, {entry.dmap.width}x{entry.dmap.height} "
                       f"{entry.dmap.frame})")  # fmt: skip
        return EXIT_OK

    run_guarded(body)
