"""hotpixels: find, repair and export the defective pixels of a camera sensor.

The public API is loaded on first use, so ``import hotpixels`` stays light (no numba,
rawpy, jpeglib, simplejpeg or tifffile until a function needs them).

Examples
--------
>>> import hotpixels
>>> sorted(hotpixels.__all__)[:3]
['Accumulator', 'Camera', 'DaskEngine']
>>> hotpixels.DefectMap(width=4, height=3).frame
<FrameKind.IMAGE: 'image'>
"""

from __future__ import annotations

import importlib

from hotpixels._version import __version__ as __version__

#: Public names and the module that defines each.
_PUBLIC = {
    "Accumulator": "hotpixels.stats",
    "Camera": "hotpixels.maps.model",
    "Defect": "hotpixels.maps.model",
    "DefectMap": "hotpixels.maps.model",
    "FindResult": "hotpixels.pipeline",
    "FrameKind": "hotpixels.frames",
    "HotPixelsError": "hotpixels.errors",
    "LocalEngine": "hotpixels.engine",
    "DaskEngine": "hotpixels.engine.cluster",
    "ScanResult": "hotpixels.engine",
    "correct_image": "hotpixels.repair.pixels",
    "correct_pixels": "hotpixels.repair.pixels",
    "detect_defects": "hotpixels.detect",
    "evaluate": "hotpixels.sim.evaluate",
    "export_text": "hotpixels.maps.formats",
    "find": "hotpixels.pipeline",
    "fix_files": "hotpixels.repair.files",
    "import_text": "hotpixels.maps.formats",
    "make_plan": "hotpixels.engine",
    "repair_mosaic": "hotpixels.repair.pixels",
    "repair_raw": "hotpixels.repair.pixels",
    "run": "hotpixels.engine",
    "scan": "hotpixels.pipeline",
    "simulate": "hotpixels.sim.camera",
}

__all__ = sorted([*_PUBLIC, "__version__"])


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    msg = f"module 'hotpixels' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return __all__
