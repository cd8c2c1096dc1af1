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


def require(module: str, extra: str):
    """Import an optional module or raise a message naming the extra to install.

    Parameters
    ----------
    module : str
        Module name, e.g. ``"rawpy"``.
    extra : str
        The hotpixels extra that installs it, e.g. ``"raw"``.

    Returns
    -------
    module
        The imported module.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        msg = f'{module} is not installed: pip install "hotpixels[{extra}]"'
        raise MissingDependencyError(msg) from err
