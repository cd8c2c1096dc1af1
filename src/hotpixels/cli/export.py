"""``hotpixels export``: write a defect map in another tool's format."""

from __future__ import annotations

from pathlib import Path

import click

from hotpixels.cli.options import EXIT_OK, fail, quiet_option, run_guarded, verbose_option

__all__ = ["export_cmd"]


def _export_dng(dmap, dng_path, output, overwrite, quiet) -> int:
    from hotpixels.maps.dng import add_bad_pixels
    from hotpixels.maps.formats import FORMATS

    if dng_path is None:
        fail("-f dng copies a DNG of the camera: give it with --dng FILE.dng")
    target = output or dng_path.with_name(f"{dng_path.stem}.badpixels.dng")
    if target.exists() and not overwrite:
        fail(f"{target}: exists; use --overwrite or another -o")
    n = add_bad_pixels(dng_path, target, dmap)
    if not quiet:
        click.echo(f"{n} photosite(s) written to {target} as FixBadPixelsList in OpcodeList1 "
                   f"({FORMATS['dng'].convention})")  # fmt: skip
    return EXIT_OK


@click.command("export")
@click.argument("map_path", metavar="MAP", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-f", "--format", "fmt",
              type=click.Choice(["dcraw", "rawtherapee", "siril", "jpegpixi", "dng", "csv", "json"]),
              required=True, help="Format to write.")
@click.option("--dng", "dng_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="-f dng: a DNG of the camera to copy with the map in its OpcodeList1.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File to write ('-' for stdout). Default: beside MAP; for RawTherapee "
                   "'<Make> <Model>[ <Serial>].badpixels'.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@verbose_option
@quiet_option
def export_cmd(map_path, fmt, dng_path, output, overwrite, quiet):
    """Write a defect map as a dcraw/LibRaw/rawpy, RawTherapee, Siril or jpegpixi list, or CSV.

    dcraw and RawTherapee lists are in the sensor's RAW frame, so they need a map found
    from RAW files. dcraw lines are 'col row time' (time 0: always bad, else the first
    date the defect was seen); RawTherapee lines are 'x y'. Siril's cosmetic-correction
    lines are 'P x y H' (C: dead) with y counted from the bottom row, as Siril does;
    jpegpixi lines are 'x,y', pixels of the developed photo (a JPEG-frame map). -f dng
    copies a DNG of the camera with the map as a FixBadPixelsList opcode in its
    OpcodeList1, which DNG-aware developers apply (every other byte is kept).

    \b
    Examples:
      hotpixels export raw-map.json -f dcraw -o badpixels.txt
      dcraw -P badpixels.txt photo.NEF                # or rawpy: bad_pixels_path=
      hotpixels export raw-map.json -f rawtherapee    # writes "<Make> <Model>.badpixels"
      hotpixels export map.json -f csv -o -           # to the terminal
      hotpixels export map.json -f jpegpixi -o pixels.txt && jpegpixi -f pixels.txt in.jpg out.jpg
      hotpixels export raw-map.json -f siril          # for Siril's cosme command
      hotpixels export raw-map.json -f dng --dng IMG_0001.DNG   # writes IMG_0001.badpixels.dng
    """

    def body() -> int:
        from hotpixels.io.writers import atomic_write_bytes
        from hotpixels.maps.formats import FORMATS, default_output, export_text
        from hotpixels.maps.model import DefectMap

        dmap = DefectMap.load(map_path)
        if fmt == "dng":
            return _export_dng(dmap, dng_path, output, overwrite, quiet)
        text = export_text(dmap, fmt)
        if output is not None and str(output) == "-":
            click.echo(text, nl=False)
            return EXIT_OK
        target = output or default_output(map_path, dmap, fmt)
        if target.resolve() == map_path.resolve():
            fail(f"{target}: that is the map itself; choose another -o")
        if target.exists() and not overwrite:
            fail(f"{target}: exists; use --overwrite or another -o")
        atomic_write_bytes(target, text.encode())
        if not quiet:
            click.echo(f"{len(dmap.defects)} defect(s) written to {target} ({fmt}; "
                       f"{FORMATS[fmt].convention})")  # fmt: skip
        return EXIT_OK

    run_guarded(body)
