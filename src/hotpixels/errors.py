"""Exceptions raised by hotpixels.

Every error derives from :class:`HotPixelsError` and also from the matching built-in
exception, so callers can catch either ``HotPixelsError`` or, e.g., ``OSError``.
"""

from __future__ import annotations


class HotPixelsError(Exception):
    """Base class of every hotpixels error."""


class ImageReadError(HotPixelsError, OSError):
    """A file could not be read or decoded as an image."""


class ImageWriteError(HotPixelsError, OSError):
    """An output file could not be written."""


class DefectMapError(HotPixelsError, ValueError):
    """A defect map file is malformed or of an unknown format/version."""


class ParameterError(HotPixelsError, ValueError):
    """A parameter is out of range or inconsistent."""


class MissingDependencyError(HotPixelsError, ImportError):
    """An optional dependency is not installed."""


class OutOfSpaceError(HotPixelsError, OSError):
    """There is no room for the statistics (shared memory, temporary folder)."""


class NoInputError(ParameterError):
    """None of the given paths holds a photo."""


def require(module: str, extra: str, purpose: str = ""):
    """Import an optional module or raise a message naming the extra to install.

    Parameters
    ----------
    module : str
        Module name, e.g. ``"rawpy"``.
    extra : str
        The hotpixels extra that installs it, e.g. ``"raw"``.
    purpose : str
        What needs it, for the message (e.g. ``"reading camera RAW files"``).

    Returns
    -------
    module
        The imported module.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        what = f"{purpose} needs {module}" if purpose else f"{module} is not installed"
        msg = f'{what}: pip install "hotpixels[{extra}]"'
        raise MissingDependencyError(msg) from err
