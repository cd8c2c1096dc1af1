"""hotpixels: find, repair and export the defective pixels of a camera sensor.

Examples
--------
>>> import hotpixels
>>> sorted(hotpixels.__all__)[:3]
['Accumulator', 'Defect', 'DefectMap']
"""

__version__ = "0.1.0"

from hotpixels.correct import correct_image, correct_pixels, repair_mosaic, repair_raw
from hotpixels.defectmap import Defect, DefectMap
from hotpixels.detect import detect_defects
from hotpixels.errors import HotPixelsError
from hotpixels.evaluate import evaluate
from hotpixels.fix import fix_files
from hotpixels.formats import export_text, import_text
from hotpixels.scan import ScanResult, find, scan
from hotpixels.simulate import simulate
from hotpixels.stats import Accumulator

__all__ = [
    "Accumulator",
    "Defect",
    "DefectMap",
    "HotPixelsError",
    "ScanResult",
    "__version__",
    "correct_image",
    "correct_pixels",
    "detect_defects",
    "evaluate",
    "export_text",
    "find",
    "fix_files",
    "import_text",
    "repair_mosaic",
    "repair_raw",
    "scan",
    "simulate",
]
