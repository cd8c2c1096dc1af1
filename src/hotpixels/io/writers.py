"""Atomic output: write to a temporary file beside the target, then rename."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from hotpixels.errors import ImageWriteError, require

__all__ = ["atomic_write_bytes", "save_image_atomic", "write_tiff16"]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _atomic_target(path: Path, overwrite: bool = True):
    """Yield a temporary path next to ``path``; rename it over ``path`` on success."""
    path = Path(path)
    if not overwrite and path.exists():
        msg = f"{path}: output exists; allow overwrite or choose another output"
        raise ImageWriteError(msg)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as err:
        msg = f"{path}: cannot write there ({err.strerror or err}); choose another output"
        raise ImageWriteError(msg) from err
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # as open() would have made it, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | Path, data: bytes, *, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` atomically.

    Parameters
    ----------
    path : str or Path
        Target file.
    data : bytes
        Content.
    overwrite : bool
        If False and ``path`` exists, raise :class:`~hotpixels.errors.ImageWriteError`.
    """
    try:
        with _atomic_target(Path(path), overwrite) as tmp:
            tmp.write_bytes(data)
    except ImageWriteError:
        raise
    except OSError as err:
        msg = f"{path}: cannot write ({err.strerror or err})"
        raise ImageWriteError(msg) from err


def save_image_atomic(
    image: Image.Image, path: str | Path, *, overwrite: bool = True, **save_kwargs
) -> None:
    """Save a Pillow image atomically (temporary file, then rename).

    Parameters
    ----------
    image : PIL.Image.Image
        The image.
    path : str or Path
        Target file.
    overwrite : bool
        If False and ``path`` exists, raise :class:`~hotpixels.errors.ImageWriteError`.
    **save_kwargs
        Passed to :meth:`PIL.Image.Image.save` (``format`` is required).
    """
    try:
        with _atomic_target(Path(path), overwrite) as tmp:
            image.save(tmp, **save_kwargs)
    except ImageWriteError:
        raise
    except (OSError, ValueError) as err:
        msg = f"{path}: cannot write ({err})"
        raise ImageWriteError(msg) from err


def write_tiff16(path: str | Path, rgb: np.ndarray, *, overwrite: bool = False) -> None:
    """Write a 16-bit RGB image as a TIFF (deflate-compressed), atomically (needs tifffile,
    the ``raw`` extra)."""
    tifffile = require("tifffile", "raw", "writing 16-bit TIFF files")
    buf = io.BytesIO()
    tifffile.imwrite(buf, np.ascontiguousarray(rgb, dtype=np.uint16), photometric="rgb",
                     compression="zlib", metadata=None, software="hotpixels")  # fmt: skip
    atomic_write_bytes(path, buf.getvalue(), overwrite=overwrite)
