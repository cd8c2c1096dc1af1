"""Re-encoding a repaired photo whole with the input's own settings and metadata.

The fallback of the block-local JPEG repair (CMYK, 12-bit, arithmetic-coded or lossless
JPEGs, or when asked), and the way PNG and TIFF files are written: the input's format,
its own quantisation tables (so its own quality), chroma subsampling and progressive
mode, and its EXIF, ICC profile, comment, text chunks and transparency, passed to
Pillow explicitly (it drops them otherwise).
"""

from __future__ import annotations

from PIL import Image, JpegImagePlugin, PngImagePlugin

__all__ = ["estimate_jpeg_quality", "jpeg_subsampling", "save_kwargs"]


def _ijg_table_sum(quality: int) -> int:
    """Sum of the standard (IJG) luminance table scaled for ``quality``."""
    base = (
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    )  # fmt: skip
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return sum(min(max((b * scale + 50) // 100, 1), 255) for b in base)


def estimate_jpeg_quality(image: Image.Image) -> int | None:
    """Estimate the IJG quality (1-100) of a JPEG from its luminance quantisation table.

    Parameters
    ----------
    image : PIL.Image.Image
        An image opened from a JPEG file.

    Returns
    -------
    int or None
        The quality whose standard table is closest, or None if not a JPEG.
    """
    tables = getattr(image, "quantization", None)
    if not tables:
        return None
    total = sum(tables[min(tables)])
    return min(range(1, 101), key=lambda q: (abs(_ijg_table_sum(q) - total), -q))


def jpeg_subsampling(image: Image.Image) -> int | None:
    """Pillow's subsampling code of a JPEG (0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0), or None."""
    if image.format != "JPEG":
        return None
    value = JpegImagePlugin.get_sampling(image)
    return None if value < 0 else value


def save_kwargs(src: Image.Image) -> tuple[dict, str]:
    """Pillow ``save`` arguments that keep the input's format, quality and metadata, and a
    note on how a JPEG was written ('' for lossless formats)."""
    fmt = src.format or "PNG"
    info = src.info
    kw: dict = {"format": fmt}
    for key in ("exif", "icc_profile", "dpi"):
        if info.get(key):
            kw[key] = info[key]
    note = ""
    if fmt == "JPEG":
        kw["qtables"] = src.quantization
        sub = jpeg_subsampling(src)
        if sub is not None:
            kw["subsampling"] = sub
        if info.get("progressive") or info.get("progression"):
            kw["progressive"] = True
        if info.get("comment"):
            kw["comment"] = info["comment"]
        note = f"JPEG re-encoded at its own quality (~{estimate_jpeg_quality(src)})"
    elif fmt == "PNG":
        text = getattr(src, "text", {}) or {}
        if text:
            png = PngImagePlugin.PngInfo()
            for k, v in text.items():
                png.add_text(k, v)
            kw["pnginfo"] = png
        if "transparency" in info:
            kw["transparency"] = info["transparency"]
    elif fmt == "TIFF":
        if info.get("compression") and info["compression"] != "raw":
            kw["compression"] = info["compression"]
    return kw, note
