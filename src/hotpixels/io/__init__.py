"""Reading and writing: which files are photos, headers and pixels, RAW, metadata, atomic output.

``discover`` walks folders (the one walk), ``decode`` probes headers and decodes pixels,
``images`` opens photos with Pillow, ``raw`` reads RAW files through rawpy, ``metadata``
reads camera identity and capture time, ``writers`` writes atomically.
"""

from hotpixels.io.metadata import CameraKey, FrameInfo

__all__ = ["CameraKey", "FrameInfo"]
