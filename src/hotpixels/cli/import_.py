"""``hotpixels import``: read a dcraw, RawTherapee, Siril, jpegpixi or CSV defect list into a map."""

from __future__ import annotations

from pathlib import Path

import click

from hotpixels.cli.options import EXIT_OK, fail, quiet_option, run_guarded, verbose_option

__all__ = ["import_cmd"]


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        fail(f"--size must look like 6000x4000, got {text!r}")
    return w, h


def _import_dng(path, output, overwrite, quiet) -> int:
    """The FixBadPixelsList photosites of a DNG as a RAW-frame map (its size and camera
    come from the DNG itself)."""
    from hotpixels.io.decode import probe
    from hotpixels.maps.dng import dng_bad_pixels
    from hotpixels.maps.formats import import_text

    if output.exists() and not overwrite:
        fail(f"{output}: exists; use --overwrite or another -o")
    points, w, h = dng_bad_pixels(path)
    key = probe(path).key
    text = "".join(f"{x} {y}\n" for x, y in points)
    dmap = import_text(text, "rawtherapee", width=w, height=h, cfa=key.cfa,
                       camera=(key.make, key.model, key.serial), source=str(path))  # fmt: skip
    dmap.parameters = {"imported": "dng"}
    dmap.save(output)
    if not quiet:
        click.echo(f"{len(dmap.defects)} photosite(s) from the OpcodeList1 of {path} (RAW frame {w}x{h}) "
                   f"written to {output}")  # fmt: skip
    return EXIT_OK


@click.command("import")
@click.argument("list_path", metavar="LIST", type=click.Path(path_type=Path, dir_okay=False,
                                                             exists=True))
@click.option("-f", "--format", "fmt",
              type=click.Choice(["auto", "dcraw", "rawtherapee", "siril", "jpegpixi", "dng", "csv"]),
              default="auto", show_default=True,
              help="auto: .badpixels is RawTherapee, .lst Siril, .dng the FixBadPixelsList of a "
                   "DNG, a name with 'jpegpixi' jpegpixi, .csv CSV, anything else dcraw.")
@click.option("--like", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A photo or RAW file of the camera: gives size, frame, CFA and camera.")
@click.option("--size", help="WIDTHxHEIGHT of the frame, when there is no --like file.")
@click.option("--frame", type=click.Choice(["raw", "image"]), default=None,
              help="Coordinate frame of a CSV or Siril list (dcraw, RawTherapee: raw; jpegpixi: image).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Defect map to write (JSON).")
@click.option("--overwrite", is_flag=True, help="Replace an existing map.")
@verbose_option
@quiet_option
def import_cmd(list_path, fmt, like, size, frame, output, overwrite, quiet):
    """Read a defect list of another tool into a hotpixels map.

    The lists do not record the sensor's size: give a photo or RAW file of the camera
    with --like (best: it also gives the camera and colour pattern) or --size.

    \b
    Examples:
      hotpixels import badpixels.txt --like IMG_0001.CR2 -o known.json
      hotpixels import "NIKON D750.badpixels" --size 6032x4032 -o known.json
      hotpixels import cosme.lst --like IMG_0001.CR2 -o known.json      # a Siril list
      hotpixels import IMG_0001.badpixels.dng -o known.json   # a DNG's FixBadPixelsList
      hotpixels fix --map known.json IMG_0001.CR2     # repair with the imported map
    """

    def body() -> int:
        from hotpixels.io.decode import probe
        from hotpixels.maps.formats import guess_format, import_text

        kind = guess_format(list_path) if fmt == "auto" else fmt
        if kind == "json":
            fail(f"{list_path}: already a hotpixels map")
        if kind == "dng":
            return _import_dng(list_path, output, overwrite, quiet)
        if like is None and size is None:
            fail("give --like FILE (a photo or RAW of the camera) or --size WIDTHxHEIGHT")
        if output.exists() and not overwrite:
            fail(f"{output}: exists; use --overwrite or another -o")
        camera, cfa, where = ("", "", ""), "", frame or "raw"
        if like is not None:
            info = probe(like)
            w, h = info.key.width, info.key.height
            camera = (info.key.make, info.key.model, info.key.serial)
            cfa, where = info.key.cfa, frame or info.key.frame
        else:
            w, h = _size(size)
        try:
            text = list_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            fail(f"{list_path}: cannot read ({err})")
        dmap = import_text(text, kind, width=w, height=h, frame=where, cfa=cfa, camera=camera,
                           source=str(list_path))  # fmt: skip
        dmap.save(output)
        if not quiet:
            click.echo(f"{len(dmap.defects)} defect(s) from {list_path} ({kind}, {dmap.frame} "
                       f"frame {w}x{h}) written to {output}")  # fmt: skip
        return EXIT_OK

    run_guarded(body)
