"""Repair photos on disk: pick outputs, keep metadata, write atomically.

A JPEG is repaired block by block (:mod:`hotpixels.repair.jpeg.blocks`): only the 8x8
blocks that hold a repaired pixel change, and every metadata segment stays
byte-identical. A JPEG that path cannot take (CMYK, 12-bit, arithmetic-coded,
lossless), or any JPEG with ``reencode``, is re-encoded whole with its own settings
(:mod:`hotpixels.repair.jpeg.reencode`); the note says which happened. PNG and TIFF are
lossless, so only the repaired pixels change; their ICC profile, EXIF and text are
kept. Inputs are never modified: an output is written to a temporary file beside its
target and renamed, and an existing output is refused unless ``overwrite``.

A RAW file is never rewritten: its mosaic is repaired from same-colour photosites
(:func:`hotpixels.repair.pixels.repair_mosaic`) and developed by LibRaw into a 16-bit
TIFF (``c_NAME.tif``). A map applies to files of its own frame: a RAW-frame map to RAW
files, an image map to developed photos; in a folder the others are skipped and listed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hotpixels.errors import HotPixelsError, ImageWriteError, ParameterError
from hotpixels.frames import FrameKind, strategy_for
from hotpixels.io.discover import FIX_PREFIX, discover, file_kind, fix_output_name
from hotpixels.io.images import open_image
from hotpixels.io.raw import develop
from hotpixels.io.writers import atomic_write_bytes, save_image_atomic, write_tiff16
from hotpixels.maps.model import DefectMap
from hotpixels.progress import started
from hotpixels.repair.jpeg.blocks import LocalRepairUnsupported, decoded_pixels, repair_jpeg_blocks
from hotpixels.repair.jpeg.reencode import save_kwargs
from hotpixels.repair.orient import locate
from hotpixels.repair.pixels import correct_image, repair_mosaic

__all__ = ["FixResult", "fix_file", "fix_files", "fix_image_file", "fix_raw_file", "output_path"]


@dataclass
class FixResult:
    """Outcome of a repair run: written files and failures (one line each)."""

    written: list[tuple[Path, Path, int, str]] = field(default_factory=list)
    failures: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # files of the other frame
    existing: list[tuple[Path, Path]] = field(default_factory=list)  # outputs already there


def output_path(src: Path, *, out_dir: Path | None = None, prefix: str = FIX_PREFIX,
                relative: Path | None = None) -> Path:  # fmt: skip
    """Where the repaired copy of ``src`` goes.

    ``c_<name>`` beside the input by default (the original script's convention, with the
    prefix on the file name, not on the folder: :func:`hotpixels.io.discover.fix_output_name`);
    with ``out_dir``, the same name (and sub-folder ``relative``) inside ``out_dir``. A
    RAW file's copy is a developed TIFF.

    Examples
    --------
    >>> output_path(Path("photos/a.jpg")).as_posix()
    'photos/c_a.jpg'
    >>> output_path(Path("photos/a.NEF"), out_dir=Path("fixed")).as_posix()
    'fixed/a.tif'
    """
    src = Path(src)
    if out_dir is None:
        return src.with_name(fix_output_name(src, prefix))
    rel = relative if relative is not None else Path(src.name)
    suffix = strategy_for(file_kind(src)).repaired_suffix
    return Path(out_dir) / (rel.with_suffix(suffix) if suffix else rel)


def _check_output(src: str | Path, dst: str | Path, overwrite: bool) -> tuple[Path, Path]:
    """``(src, dst)`` as paths, once ``dst`` is known not to be the input, nor an
    existing file unless ``overwrite``."""
    src, dst = Path(src), Path(dst)
    if dst.resolve() == src.resolve():
        msg = f"{src}: output would overwrite the input; choose another output folder"
        raise ImageWriteError(msg)
    if dst.exists() and not overwrite:
        msg = f"{dst}: output exists; allow overwrite or choose another output folder"
        raise ImageWriteError(msg)
    return src, dst


@contextlib.contextmanager
def _naming(src: Path) -> Iterator[None]:
    """Re-raise a :class:`ParameterError` from inside with the file's name in front."""
    try:
        yield
    except ParameterError as err:
        msg = f"{src}: {err}"
        raise ParameterError(msg) from err


def _deep_colour(image) -> bool:
    """Whether a colour image stores more than 8 bits a sample, which Pillow reads as 8."""
    if image.mode not in ("RGB", "RGBA", "P", "LA"):
        return False
    if image.format == "PNG":
        with open(image.filename, "rb") as fh:
            header = fh.read(26)
        return len(header) == 26 and header[24] == 16
    if image.format == "TIFF":
        bits = image.tag_v2.get(258, (8,))
        return max(bits if isinstance(bits, tuple) else (bits,)) > 8
    return False


def _refuse_what_would_be_lost(image, src: Path) -> None:
    """A repair writes one 8- or 16-bit image as it was read: refuse files it would
    diminish (more pages or frames than one; colour deeper than Pillow reads)."""
    pages = getattr(image, "n_frames", 1)
    if pages > 1:
        msg = (f"{src}: holds {pages} pages or frames, and a repair would keep only the first; "
               "left alone")  # fmt: skip
        raise ImageWriteError(msg)
    if _deep_colour(image):
        msg = (f"{src}: 16-bit colour, which would come out as 8 bits (only 16-bit grey is "
               "kept whole); left alone")  # fmt: skip
        raise ImageWriteError(msg)


def fix_image_file(
    src: str | Path,
    dst: str | Path,
    pixels: Iterable[tuple[int, int]],
    *,
    overwrite: bool = False,
    expect_size: tuple[int, int] | None = None,
    reencode: bool = False,
) -> str:
    """Repair ``pixels`` of the image file ``src`` and write the result to ``dst``.

    Parameters
    ----------
    src, dst : str or Path
        Input and output files; they must differ.
    pixels : iterable of (x, y)
        Positions to repair.
    overwrite : bool
        Replace an existing ``dst``.
    expect_size : (width, height), optional
        The size of the frame ``pixels`` are in (a defect map's). An image of that size
        turned a quarter is taken as stored turned, and ``pixels`` are turned to match
        (:func:`hotpixels.repair.orient.locate`); any other size is refused.
    reencode : bool
        Re-encode a JPEG whole instead of changing only the blocks of the repaired
        pixels.

    Returns
    -------
    str
        A note on how the file was written.
    """
    src, dst = _check_output(src, dst, overwrite)
    image = open_image(src)
    _refuse_what_would_be_lost(image, src)
    pixels = list(pixels)
    turned, decoded = "", None
    if expect_size is not None and image.size != tuple(expect_size):
        decoded = decoded_pixels(image)
        pixels, turned = locate(decoded, pixels, tuple(expect_size), str(src))
    fallback = ""
    if image.format == "JPEG" and not reencode:
        try:
            with _naming(src):
                decoded = decoded_pixels(image) if decoded is None else decoded
                data, note, _ = repair_jpeg_blocks(src, pixels, decoded=decoded)
        except LocalRepairUnsupported as err:
            fallback = f" (block-local repair not possible: {err})"
        else:
            atomic_write_bytes(dst, data, overwrite=overwrite)
            return "; ".join(filter(None, [f"JPEG repaired in place: {note}", turned]))
    with _naming(src):
        fixed = correct_image(image, pixels)
    kwargs, note = save_kwargs(image)
    save_image_atomic(fixed, dst, overwrite=overwrite, **kwargs)
    note = (note + fallback) if note else f"{kwargs['format']} written losslessly"
    return "; ".join(filter(None, [note, turned]))


def fix_raw_file(
    src: str | Path,
    dst: str | Path,
    pixels: Iterable[tuple[int, int]],
    *,
    overwrite: bool = False,
    expect_size: tuple[int, int] | None = None,
    responses: dict | None = None,
    cfa: str = "",
) -> str:
    """Repair photosites of a RAW file and write it developed, as a 16-bit TIFF.

    Parameters
    ----------
    src : str or Path
        The RAW file (read only).
    dst : str or Path
        The TIFF to write.
    pixels : iterable of (x, y)
        Photosites in the RAW frame (the visible area).
    overwrite : bool
        Replace an existing ``dst``.
    expect_size : (width, height), optional
        The map's mosaic size; a RAW of another size is refused.
    responses : dict of (x, y) to (offset, gain), optional
        Warm photosites whose stable response is undone rather than replaced
        (:func:`hotpixels.repair.pixels.repair_mosaic`).
    cfa : str
        The map's colour filter pattern (which photosites are of a photosite's colour).

    Returns
    -------
    str
        A note on how the file was written.
    """
    src, dst = _check_output(src, dst, overwrite)
    pixels = list(pixels)

    def repair(mosaic) -> None:
        h, w = mosaic.shape
        if expect_size is not None and (w, h) != tuple(expect_size):
            msg = (f"{src}: RAW visible area {w}x{h} differs from the map's "
                   f"{expect_size[0]}x{expect_size[1]}; use a map of this camera")  # fmt: skip
            raise ParameterError(msg)
        with _naming(src):
            repair_mosaic(mosaic, pixels, in_place=True, responses=responses, cfa=cfa)

    rgb = develop(src, repair)
    write_tiff16(dst, rgb, overwrite=overwrite)
    undone = f" ({len(responses)} warm one(s) compensated, not replaced)" if responses else ""
    return (f"RAW repaired from same-colour photosites{undone} and developed to a 16-bit TIFF; the RAW "
            "file is unchanged")


def fix_file(src: str | Path, dst: str | Path, pixels: Iterable[tuple[int, int]], *,
             overwrite: bool = False, reencode: bool = False,
             expect_size: tuple[int, int] | None = None, responses: dict | None = None,
             cfa: str = "") -> str:  # fmt: skip
    """Repair ``pixels`` of a photo (:func:`fix_image_file`) or a RAW file
    (:func:`fix_raw_file`: ``reencode`` does not apply); returns the note."""
    if file_kind(Path(src)) is FrameKind.RAW:
        return fix_raw_file(src, dst, pixels, overwrite=overwrite, expect_size=expect_size,
                            responses=responses, cfa=cfa)  # fmt: skip
    return fix_image_file(src, dst, pixels, overwrite=overwrite, reencode=reencode,
                          expect_size=expect_size)  # fmt: skip


def _frame_mismatch(dmap: DefectMap, src: Path) -> str:
    """Why the map does not apply to ``src`` ('' when it does)."""
    kind = file_kind(src)
    if kind is dmap.frame:
        return ""
    if dmap.frame is FrameKind.RAW:
        return (f"{src}: the map is in the RAW frame (for RAW files); repair developed photos "
                "with a map found from such photos")  # fmt: skip
    return (f"{src}: a RAW file needs a RAW-frame map (found from RAW files); this map is for "
            "developed photos")  # fmt: skip


def fix_files(
    defects: DefectMap | Iterable[tuple[int, int]],
    paths: Iterable[str | Path],
    *,
    out_dir: str | Path | None = None,
    prefix: str = FIX_PREFIX,
    overwrite: bool = False,
    reencode: bool = False,
    replace: bool = False,
    progress: Callable[[Path, str | None], None] | None = None,
) -> FixResult:
    """Repair every defect of a map (centres and members), or given pixels, in many photos.

    Parameters
    ----------
    defects : DefectMap or iterable of (x, y)
        The defects of the camera that took the photos, or pixel positions (column,
        row) to repair in every photo given.
    paths : iterable of str or Path
        Files and folders (recursed). Earlier outputs (:func:`hotpixels.io.discover.is_fix_output`)
        found in folders are left alone; with a map, files of the other frame found in
        folders are skipped and listed.
    out_dir : str or Path, optional
        Folder for the outputs (same names, same sub-folders); by default each output
        is ``c_<name>`` beside its input.
    prefix : str
        Prefix of outputs written beside their inputs.
    overwrite : bool
        Replace existing outputs (inputs are never replaced); without it an output that
        exists is kept and listed in ``existing``: outputs are written whole or not at
        all, so a second run finishes what a stopped one began.
    reencode : bool
        Re-encode JPEGs whole (see :func:`fix_image_file`).
    replace : bool
        Replace warm RAW photosites too, instead of undoing their stable response
        (:meth:`DefectMap.responses`; photos are always replaced).
    progress : callable, optional
        Called after each file with its path and an error message or None; its
        ``start(total, "repairing")``, if it has one, first.

    Returns
    -------
    FixResult
    """
    dmap = defects if isinstance(defects, DefectMap) else None
    pixels = dmap.repair_pixels() if dmap is not None else [(int(x), int(y)) for x, y in defects]
    size = (dmap.width, dmap.height) if dmap is not None else None
    responses = dmap.responses() if dmap is not None and not replace else {}
    cfa = dmap.cfa if dmap is not None else ""
    result = FixResult()
    out_dir = Path(out_dir) if out_dir is not None else None
    seen = discover(paths)
    found = seen.files
    result.failures += seen.failures
    started(progress, len(found), "repairing")
    for src, rel, in_folder in found:
        dst = output_path(src, out_dir=out_dir, prefix=prefix, relative=rel)
        mismatch = _frame_mismatch(dmap, src) if dmap is not None else ""
        if mismatch and in_folder:
            result.skipped.append((src, mismatch))
            continue
        if dst.exists() and not overwrite and dst.resolve() != src.resolve():
            result.existing.append((src, dst))  # written whole earlier (writes are atomic)
            if progress:
                progress(src, None)
            continue
        try:
            if mismatch:
                raise ParameterError(mismatch)
            note = fix_file(src, dst, pixels, overwrite=overwrite, reencode=reencode,
                            expect_size=size, responses=responses, cfa=cfa)  # fmt: skip
        except HotPixelsError as err:
            result.failures.append((src, str(err)))
            if progress:
                progress(src, str(err))
            continue
        result.written.append((src, dst, len(pixels), note))
        if progress:
            progress(src, None)
    return result
