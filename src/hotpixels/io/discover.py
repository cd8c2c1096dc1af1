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

from collections.abc import Iterable, Iterator
from pathlib import Path

from hotpixels.frames import FrameKind, strategy_for

__all__ = ["FIX_PREFIX", "IMAGE_SUFFIXES", "RAW_SUFFIXES", "discover", "file_kind",
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

    Yields
    ------
    (Path, Path)
        The file and its path relative to ``folder``.
    """
    for f in sorted(Path(folder).rglob("*")):
        rel = f.relative_to(folder)
        if (f.is_file() and f.suffix.lower() in _SUFFIXES
                and not any(part.startswith(".") for part in rel.parts)):  # fmt: skip
            yield f, rel


def discover(paths: Iterable[str | Path], *, skip_fix_outputs: bool = True
             ) -> tuple[list[tuple[Path, Path, bool]], list[tuple[Path, str]], list[Path]]:  # fmt: skip
    """Expand files and folders (folders recursively) into the photos they hold.

    Parameters
    ----------
    paths : iterable of str or Path
        Files are taken as given; folders contribute files ending in .jpg, .jpeg,
        .png, .tif or .tiff and camera RAW endings (.dng, .cr2, .nef, ...; any case),
        hidden files excluded.
    skip_fix_outputs : bool
        Leave out earlier outputs of ``fix`` found in folders (:func:`is_fix_output`):
        a repaired copy is no new photo.

    Returns
    -------
    files : list of (Path, Path, bool)
        Each file once, sorted: the file, its path relative to the folder it was found
        in (its name when given directly), and whether it was found in a folder.
    failures : list of (Path, str)
        Paths that do not exist.
    skipped : list of Path
        Earlier outputs of ``fix`` that were left out, sorted.
    """
    files: dict[Path, tuple[Path, bool]] = {}
    failures: list[tuple[Path, str]] = []
    skipped: set[Path] = set()
    for p in map(Path, paths):
        if p.is_dir():
            for f, rel in iter_image_files(p):
                if skip_fix_outputs and is_fix_output(f):
                    skipped.add(f)
                else:
                    files.setdefault(f, (rel, True))
        elif p.is_file():
            files.setdefault(p, (Path(p.name), False))
        else:
            failures.append((p, f"{p}: no such file or folder"))
    found = [(f, rel, in_folder) for f, (rel, in_folder) in sorted(files.items())]
    return found, failures, sorted(skipped)
