"""Reading and writing images and their metadata."""

from hotpixels.io.metadata import CameraKey, FrameInfo
from hotpixels.io.readers import Frame, read_frame
from hotpixels.io.writers import atomic_write_bytes, save_image_atomic

__all__ = [
    "CameraKey",
    "Frame",
    "FrameInfo",
    "atomic_write_bytes",
    "read_frame",
    "save_image_atomic",
]
