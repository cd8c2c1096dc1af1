"""``hotpixels fix``: repair pixels given by coordinates or by a defect map."""

from __future__ import annotations

import re
from pathlib import Path

import click

from hotpixels.cli.options import (
    EXIT_OK,
    EXIT_SOME_FAILED,
    Progress,
    echo_err,
    fail,
    print_failures,
    quiet_option,
    run_guarded,
    say,
    verbose_option,
)

__all__ = ["fix_cmd", "parse_xy"]

_XY = re.compile(r"^\s*(\d+)\s*,\s*(\d+)\s*$")


def parse_xy(text: str) -> tuple[int, int]:
    """Parse ``"X,Y"`` (column, row) into a tuple."""
    m = _XY.match(text)
    if not m:
        fail(f"{text!r} is not a pixel position; write X,Y as in 1500,1271 (column,row)")
    return int(m.group(1)), int(m.group(2))


def _repair(defects, paths, dmap, out_dir, overwrite, reencode, replace, quiet):
    """Repair ``paths`` (with a progress bar), say what was written and sum it up."""
    from hotpixels.repair.files import fix_files
    from hotpixels.report.text import fix_summary

    bar = Progress(quiet=quiet)
    result = fix_files(defects, paths, out_dir=out_dir, overwrite=overwrite, reencode=reencode,
                       replace=replace, progress=bar)  # fmt: skip
    elapsed = bar.close()
    if not quiet:
        for src, dst, n, note in result.written:
            say(f"{src} -> {dst}: {n} pixel(s) repaired; {note}")
        for line in fix_summary(result, dmap, elapsed):
            echo_err(line)
    return result


def _fix_from_library(paths, out_dir, overwrite, reencode, replace, quiet) -> int:
    """Repair each photo of ``paths`` with its camera's library map; list the others."""
    from hotpixels.maps.library import MapLibrary

    lib = MapLibrary()
    plan = lib.assign(paths)
    if not plan.groups and not plan.unmatched and not plan.failures:
        fail("no photos found in the paths given")
    failures = list(plan.failures)
    for entry, files in plan.groups:
        if not quiet:
            echo_err(f"{entry.camera} ({entry.dmap.width}x{entry.dmap.height} {entry.dmap.frame}): "
                     f"library map {entry.id}, {len(entry.dmap.defects)} defect(s), {len(files)} photo(s)")
        result = _repair(entry.dmap, files, entry.dmap, out_dir, overwrite, reencode, replace, quiet)
        failures += result.failures
    if plan.unmatched:
        echo_err(f"{len(plan.unmatched)} photo(s) left alone: no map of their camera in the library "
                 f"{lib.root} (hotpixels maps add MAP; or give --map MAP, or X,Y after a photo)")  # fmt: skip
        for path, camera in plan.unmatched:
            echo_err(f"  {path} ({camera})")
    print_failures(failures)
    return EXIT_SOME_FAILED if failures or not plan.groups else EXIT_OK


@click.command("fix", context_settings={"ignore_unknown_options": True})
@click.argument("items", nargs=-1, required=True)
@click.option("--map", "map_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Repair every defect of this map in the PATHS given.")
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write outputs here with their own names (default: c_NAME beside each input).")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs (never inputs).")
@click.option("--reencode", is_flag=True,
              help="Re-encode JPEGs whole at their own quality instead of changing only the "
                   "8x8 blocks around the repaired pixels.")
@click.option("--replace", is_flag=True,
              help="Replace warm RAW photosites by their neighbours too, instead of undoing the "
                   "stable offset and gain the map measured for them.")
@verbose_option
@quiet_option
def fix_cmd(items, map_path, out_dir, overwrite, reencode, replace, quiet):
    """Repair defective pixels in photos.

    Either PHOTO X,Y [X,Y ...] (columns and rows, as an image editor shows them), or
    --map MAP PATHS... to repair every defect of a map in photos and folders, or PATHS...
    alone: each photo with its camera's map from the library (hotpixels maps). Each
    pixel becomes the weighted mean of its 8 neighbours (diagonals weigh 1/sqrt 2) that
    are inside the image and not defective.

    A JPEG changes only in the 8x8 blocks that hold a repaired pixel: every other
    block, the EXIF, ICC and other metadata stay byte for byte as they were (with
    jpegtran installed, progressive and restart-marker files keep their structure).
    Files that cannot be repaired this way (CMYK, 12-bit, arithmetic-coded) are
    re-encoded at their own quality, and the output line says so. PNG and TIFF change
    only in the repaired pixels.

    RAW files (with a map found from RAW files, or X,Y photosites) are never
    rewritten: the mosaic is repaired from same-colour photosites and developed by
    LibRaw (camera white balance) into a 16-bit TIFF, c_NAME.tif. A warm photosite
    whose offset and gain the map measured as stable is compensated instead (its value
    minus the offset, over the gain), keeping the detail under it; --replace replaces
    it like the others. For your own raw developer, export the map instead (hotpixels
    export -f dcraw|rawtherapee|dng).

    \b
    Examples:
      hotpixels fix photo.jpg 1500,1271              # writes c_photo.jpg
      hotpixels fix photo.png 10,20 11,20 --out-dir fixed
      hotpixels fix --map map.json ~/Pictures/2024 --out-dir ~/Pictures/fixed
      hotpixels fix photo.jpg 1500,1271 --reencode   # the whole JPEG re-encoded
      hotpixels fix --map raw-map.json IMG_0001.DNG  # writes c_IMG_0001.tif
      hotpixels fix ~/Pictures/2025 --out-dir fixed  # maps from the library, by camera
    """

    def body() -> int:
        from hotpixels.maps.model import DefectMap

        dmap, paths = None, items
        if map_path is None and all(Path(t).exists() or Path(t).is_symlink() for t in items):
            return _fix_from_library(items, out_dir, overwrite, reencode, replace, quiet)
        if map_path is None:
            paths = items[:1]
            defects = [parse_xy(t) for t in items[1:]]
            if not defects:
                fail("give at least one pixel position X,Y after the photo, or use --map")
        else:
            dmap = defects = DefectMap.load(map_path)
            if not dmap.defects:
                echo_err(f"{map_path}: the map lists no defects; nothing to repair")
                return EXIT_OK
        result = _repair(defects, paths, dmap, out_dir, overwrite, reencode, replace, quiet)
        print_failures(result.failures)
        return EXIT_SOME_FAILED if result.failures else EXIT_OK

    run_guarded(body)
