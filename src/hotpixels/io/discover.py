"""Which files are photos: the one folder walk, file kinds, and the one rule for the
repaired copies that ``fix`` writes beside their inputs.

Examples
--------
>>> from pathlib import Path
>>> fix_output_name(Path("photos/a.jpg")), fix_output_name(Path("DSC_1.NEF"))
('c_a.jpg', 'c_DSC_1.tif')
>>> file_kind(Path("x.CR2")), file_kind(Path("x.jpg"))
(<FrameKind.RAW: 'raw'>, <FrameKind.IMAGE: 'image'>)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hotpixels.frames import FrameKind, strategy_for

__all__ = ["FIX_PREFIX", "IMAGE_SUFFIXES", "RAW_SUFFIXES", "Discovery", "discover", "file_kind",
           "fix_output_name", "is_fix_output", "iter_image_files"]  # fmt: skip

#: File name endings read as camera RAW.
RAW_SUFFIXES = frozenset({
    ".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".orf", ".rw2",
    ".raf", ".pef", ".ptx", ".srw", ".3fr", ".fff", ".erf", ".kdc", ".dcr", ".mos", ".mrw",
    ".rwl", ".iiq", ".x3f", ".raw",
})  # fmt: skip
#: File name endings of developed photos that a folder contributes.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff"})
_SUFFIXES = IMAGE_SUFFIXES | RAW_SUFFIXES
#: Prefix of a repaired copy written beside its input (the original script's ``c_``).
FIX_PREFIX = "c_"


def file_kind(path: Path) -> FrameKind:
    """Whether a file is read as camera RAW or as a developed photo (by its ending)."""
    return FrameKind.RAW if Path(path).suffix.lower() in RAW_SUFFIXES else FrameKind.IMAGE


def fix_output_name(path: Path, prefix: str = FIX_PREFIX) -> str:
    """Name of the repaired copy of ``path`` beside it: ``c_NAME`` (a RAW file is
    developed, so ``c_STEM.tif``)."""
    suffix = strategy_for(file_kind(path)).repaired_suffix
    name = Path(path.name).with_suffix(suffix) if suffix else Path(path.name)
    return prefix + name.name


def is_fix_output(path: Path, prefix: str = FIX_PREFIX) -> bool:
    """Whether ``path`` is a repaired copy beside its input: a sibling's
    :func:`fix_output_name` (``c_NAME`` beside ``NAME``, ``c_STEM.tif`` beside the RAW
    file ``STEM.*``)."""
    name = path.name
    if not name.startswith(prefix) or len(name) <= len(prefix):
        return False
    original = path.with_name(name[len(prefix) :])
    if original.exists():
        return True
    stem = original.stem
    return path.suffix.lower() == ".tif" and any(
        path.with_name(stem + ext).exists() or path.with_name(stem + ext.upper()).exists()
        for ext in RAW_SUFFIXES)  # fmt: skip


def iter_image_files(folder: Path) -> Iterator[tuple[Path, Path]]:
    """Image and RAW files below ``folder`` (recursive, sorted), hidden names excluded.

    Symbolic links to folders are not followed (no loops); a file's link is, and a
    broken link is no file.

    Yields
    ------
    (Path, Path)
        The file and its path relative to ``folder``.
    """
    for f, rel in _walk(Path(folder)):
        if f.suffix.lower() in _SUFFIXES:
            yield f, rel


def _walk(folder: Path) -> Iterator[tuple[Path, Path]]:
    """Every regular file below ``folder`` outside hidden folders, in sorted order."""
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            f = Path(root) / name
            if not name.startswith(".") and f.is_file():
                yield f, f.relative_to(folder)


@dataclass
class Discovery:
    """What :func:`discover` found.

    Attributes
    ----------
    files : list of (Path, Path, bool)
        Each physical file once (by device and inode), sorted by resolved path: the file, its path
        relative to the folder it was found in (its name when given directly), and
        whether it was found in a folder.
    failures : list of (Path, str)
        Paths given that do not exist or are no regular files.
    fix_outputs : list of Path
        Earlier outputs of ``fix`` left out, sorted.
    others : int
        Files in the folders that are no photos (sidecars, videos, documents).
    duplicates : int
        Paths that named a file already found (a link, the same folder twice).
    """

    files: list[tuple[Path, Path, bool]] = field(default_factory=list)
    failures: list[tuple[Path, str]] = field(default_factory=list)
    fix_outputs: list[Path] = field(default_factory=list)
    others: int = 0
    duplicates: int = 0


def _identity(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_dev, st.st_ino


def discover(paths: Iterable[str | Path], *, skip_fix_outputs: bool = True) -> Discovery:
    """Expand files and folders (folders recursively) into the photos they hold.

    Parameters
    ----------
    paths : iterable of str or Path
        Files are taken as given; folders contribute files ending in .jpg, .jpeg,
        .png, .tif or .tiff and camera RAW endings (.dng, .cr2, .nef, ...; any case),
        hidden files and folders excluded.
    skip_fix_outputs : bool
        Leave out earlier outputs of ``fix`` found in folders (:func:`is_fix_output`):
        a repaired copy is no new photo.

    Returns
    -------
    Discovery
    """
    found: dict[tuple[int, int], tuple[Path, Path, Path, bool]] = {}  # by device and inode
    out = Discovery()
    skipped: set[Path] = set()

    def add(f: Path, rel: Path, in_folder: bool) -> None:
        try:
            ident = _identity(f)
        except OSError:  # vanished, or a broken link
            return
        entry = (f.resolve(), f, rel, in_folder)  # resolved: the same order however named
        if ident in found:  # the same file again: keep one name, whatever the order given
            out.duplicates += 1
            entry = min(found[ident], entry)
        found[ident] = entry

    for p in map(Path, paths):
        if p.is_dir():
            for f, rel in _walk(p):
                if f.suffix.lower() not in _SUFFIXES:
                    out.others += 1
                elif skip_fix_outputs and is_fix_output(f):
                    skipped.add(f)
                else:
                    add(f, rel, True)
        elif p.is_file():
            add(p, Path(p.name), False)
        elif p.exists() or p.is_symlink():
            what = "a broken link" if not p.exists() else "not a regular file (a pipe or device?)"
            out.failures.append((p, f"{p}: {what}"))
        else:
            out.failures.append((p, f"{p}: no such file or folder"))
    out.files = [(f, rel, in_folder) for _, f, rel, in_folder in sorted(found.values())]
    out.fix_outputs = sorted(skipped)
    return out
