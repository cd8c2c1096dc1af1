"""Block-local JPEG repair: change only the 8x8 DCT blocks that hold repaired pixels.

A JPEG stores each colour component as 8x8 blocks of quantised DCT coefficients. The
repair reads them (jpeglib), decodes the photo as every viewer does (Pillow's
libjpeg-turbo), repairs the defect pixels there (:func:`hotpixels.repair.pixels.correct_pixels`)
and turns the repaired pixels into targets for each component's samples (JFIF YCbCr;
a chroma sample's target is the mean over the repaired pixels it covers), measured
against the samples as decoded before clipping. Only blocks with a target are
recomputed: their new coefficients are the quantised coefficients, with the file's own
tables, whose decoded block is closest to the old block with the targets put in,
weighted towards the repaired samples. Every other block keeps its coefficients, bit for bit.

The container is kept (:func:`hotpixels.repair.jpeg.container.splice`): every APP and COM segment
byte-identical and in order, the trailer (e.g. MPF preview images, with their offsets
moved), and, when ``jpegtran`` is installed, the progressive scan script and the restart
interval, rebuilt from the original's SOS and DRI markers. Huffman tables are optimised
when the original's were, so the size stays within a fraction of a percent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from hotpixels.errors import HotPixelsError, ImageReadError
from hotpixels.io.images import open_image
from hotpixels.repair.jpeg.container import DHT, JpegLayout, parse, scan_script, splice
from hotpixels.repair.pixels import repaired_values

__all__ = ["LocalRepairUnsupported", "decoded_pixels", "jpegtran_path", "repair_jpeg_blocks"]

#: The standard Huffman code lengths (ITU T.81 K.3) of libjpeg's default tables.
_STANDARD_BITS = {
    bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]),
    bytes([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]),
    bytes([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]),
    bytes([0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77]),
}
#: RGB -> YCbCr (JFIF), rows Y, Cb, Cr; the offsets do not matter for a change.
_TO_YCC = np.array([[0.299, 0.587, 0.114],
                    [-0.168735892, -0.331264108, 0.5],
                    [0.5, -0.418687589, -0.081312411]])  # fmt: skip
#: Weight of a repaired sample against an untouched one in the block fit.
_REPAIRED_WEIGHT = 16.0


class LocalRepairUnsupported(HotPixelsError):
    """The file cannot be repaired block by block (the caller re-encodes it)."""


def _dct_matrix() -> np.ndarray:
    k = np.arange(8)
    m = np.cos((2 * k[None, :] + 1) * k[:, None] * np.pi / 16) * np.sqrt(2 / 8)
    m[0] /= np.sqrt(2)
    return m


_M = _dct_matrix()


def jpegtran_path() -> str | None:
    """The ``jpegtran`` program, or None (``HOTPIXELS_JPEGTRAN`` overrides; empty: none)."""
    forced = os.environ.get("HOTPIXELS_JPEGTRAN")
    if forced is not None:
        return forced or None
    return shutil.which("jpegtran")


def _standard_tables(data: bytes, layout: JpegLayout) -> bool:
    """Whether every Huffman table of the file is one of libjpeg's standard tables."""
    for marker, start, end in layout.segments:
        if marker != DHT:
            continue
        p = start + 4
        while p < end:
            bits = data[p + 1 : p + 17]
            if bits not in _STANDARD_BITS:
                return False
            p += 17 + sum(bits)
    return True


def _check(layout: JpegLayout, name: str) -> None:
    if layout.kind not in ("baseline", "extended", "progressive"):
        msg = f"{name}: {layout.kind} JPEG"
        raise LocalRepairUnsupported(msg)
    if layout.precision != 8:
        msg = f"{name}: {layout.precision}-bit JPEG"
        raise LocalRepairUnsupported(msg)
    if len(layout.component_ids) not in (1, 3) or (len(layout.component_ids) == 3
                                                   and layout.adobe_transform == 0):  # fmt: skip
        msg = f"{name}: not a YCbCr or greyscale JPEG"
        raise LocalRepairUnsupported(msg)


def _sample_targets(ys: np.ndarray, xs: np.ndarray, values: np.ndarray,
                    factors: tuple[int, int]) -> dict[tuple[int, int], float]:  # fmt: skip
    """Target of each sample of a component subsampled by ``factors`` (vertical,
    horizontal) that covers repaired pixels: the mean of their targets (the pixels
    beside them share the sample, and the defect's colour with it)."""
    sums: dict[tuple[int, int], list[float]] = {}
    for y, x, v in zip(ys // factors[0], xs // factors[1], values, strict=True):
        entry = sums.setdefault((int(y), int(x)), [0.0, 0])
        entry[0] += float(v)
        entry[1] += 1
    return {k: total / count for k, (total, count) in sums.items()}


_K = np.kron(_M.T, _M.T)  # block pixels (row-major) from coefficients (row-major)


def _fit_block(coef: np.ndarray, q: np.ndarray, change: np.ndarray) -> np.ndarray:
    """Quantised coefficients whose decoded block is closest to the old block + change.

    Starts from rounding (the closest in the unweighted sense: the DCT is orthonormal),
    then moves one coefficient by one quantisation step at a time, the move that lowers
    the error most, while the error (weighted towards the changed samples) falls.
    """
    qf = q.ravel()
    target = _K @ (coef.ravel() * qf) + change.ravel()
    c = np.round((_K.T @ target) / qf)
    w = np.where(change.ravel() != 0, _REPAIRED_WEIGHT, 1.0)
    r = _K @ (c * qf) - target
    curvature = (_K**2 * w[:, None]).sum(axis=0) * qf**2
    for _ in range(64):
        slope = 2 * qf * (_K.T @ (w * r))
        gains = np.concatenate([slope + curvature, -slope + curvature])  # +1 step, -1 step
        i = int(np.argmin(gains))
        if gains[i] >= -1e-9:
            break
        step = 1.0 if i < 64 else -1.0
        i %= 64
        c[i] += step
        r += step * qf[i] * _K[:, i]
    # 8-bit JPEG coefficients are below 2**10 in magnitude (libjpeg refuses more).
    return np.clip(c, -1023, 1023).reshape(8, 8).astype(coef.dtype)


def _decoded(path: Path) -> np.ndarray:
    return decoded_pixels(open_image(path))


def decoded_pixels(image) -> np.ndarray:
    """A JPEG's pixels as the repair sees them: ``(M, N)`` grey or ``(M, N, 3)`` RGB."""
    return np.asarray(image.convert("L" if image.mode == "L" else "RGB"))


def repair_jpeg_blocks(
    src: str | Path, pixels, *, jpegtran: str | None = "auto", decoded: np.ndarray | None = None
) -> tuple[bytes, str, int]:
    """Repair ``pixels`` of a JPEG file in the DCT domain, block by block.

    Parameters
    ----------
    src : str or Path
        The JPEG file (not modified).
    pixels : iterable of (x, y)
        Positions to repair, in the stored image's frame.
    jpegtran : str or None
        Path of ``jpegtran`` for progressive or restart-marker files; ``"auto"``: find
        it; None: do without (the output is then baseline without restart markers, and
        the note says so).
    decoded : ndarray, optional
        The file's pixels as Pillow decodes them, if the caller has them already.

    Returns
    -------
    data : bytes
        The repaired file.
    note : str
        How it was written.
    blocks : int
        Number of 8x8 blocks whose coefficients changed.

    Raises
    ------
    LocalRepairUnsupported
        For files this path cannot take (CMYK, 12-bit, arithmetic-coded, lossless, or
        jpeglib not installed); the caller re-encodes them instead.
    """
    src = Path(src)
    data = src.read_bytes()
    try:
        layout = parse(data, str(src))
    except ImageReadError as err:  # e.g. no end-of-image marker: the re-encode can do it
        raise LocalRepairUnsupported(str(err)) from err
    _check(layout, str(src))
    try:
        import jpeglib
    except ImportError as err:
        msg = 'block-local repair needs jpeglib: pip install "hotpixels[jpeg]"'
        raise LocalRepairUnsupported(msg) from err
    if jpegtran == "auto":
        jpegtran = jpegtran_path()
    if decoded is None:
        decoded = _decoded(src)
    pixels = list(pixels)
    rgb = decoded.reshape(*decoded.shape[:2], -1)
    ys, xs, fixed = repaired_values(rgb, pixels)
    jpeg = jpeglib.read_dct(str(src))
    if len(layout.component_ids) == 1:
        planes, targets = [jpeg.Y], [fixed[:, 0]]
    else:
        planes = [jpeg.Y, jpeg.Cb, jpeg.Cr]
        targets = list((fixed @ _TO_YCC.T + [0.0, 128.0, 128.0]).T)
    samp = np.asarray(jpeg.samp_factor).reshape(-1, 2)  # (h, v) per component
    vmax, hmax = samp[:, 1].max(), samp[:, 0].max()
    qt = np.asarray(jpeg.qt)
    changed = 0
    for k, (coefs, values) in enumerate(zip(planes, targets, strict=True)):
        h, v = samp[k]
        wanted = _sample_targets(ys, xs, values, (vmax // v, hmax // h))
        q = qt[jpeg.quant_tbl_no[k]].astype(np.float64)
        blocks: dict[tuple[int, int], list] = {}
        for (sy, sx), value in wanted.items():
            blocks.setdefault((sy // 8, sx // 8), []).append((sy % 8, sx % 8, value))
        for (by, bx), entries in blocks.items():
            if by >= coefs.shape[0] or bx >= coefs.shape[1]:
                continue
            # The change is measured against the block as decoded before clipping (a
            # hot pixel is often clipped at 255, its samples well beyond it).
            current = _M.T @ (coefs[by, bx] * q) @ _M + 128.0
            change = np.zeros((8, 8))
            for iy, ix, value in entries:
                change[iy, ix] = value - current[iy, ix]
            new = _fit_block(coefs[by, bx], q, change)
            if not np.array_equal(new, coefs[by, bx]):
                coefs[by, bx] = new
                changed += 1
    if len(planes) == 1:
        jpeg.Y = planes[0]
    else:
        jpeg.Y, jpeg.Cb, jpeg.Cr = planes
    optimise = not _standard_tables(data, layout)
    notes = []
    with tempfile.TemporaryDirectory(prefix="hotpixels-") as tmp:
        plain = Path(tmp) / "plain.jpg"
        jpeg.write_dct(str(plain), flags=["+OPTIMIZE_CODING" if optimise else "-OPTIMIZE_CODING",
                                          "-PROGRESSIVE_MODE"])  # fmt: skip
        new = plain.read_bytes()
        progressive = layout.kind == "progressive"
        if progressive or layout.restart:
            if jpegtran:
                new = _jpegtran(jpegtran, plain, layout, optimise, Path(tmp))
            else:
                lost = [w for w, c in (("progressive scans", progressive),
                                       ("restart markers", layout.restart)) if c]  # fmt: skip
                notes.append(f"written without its {' and '.join(lost)} (install jpegtran to keep them)")
    out = splice(data, new, layout)
    what = f"{changed} block(s) of 8x8 changed, all else as it was"
    return out, "; ".join([what, *notes]), changed


def _jpegtran(program: str, plain: Path, layout: JpegLayout, optimise: bool, tmp: Path) -> bytes:
    """Rewrite ``plain`` with the original's scan script and restart interval (lossless)."""
    cmd = [program, "-copy", "none"]
    if layout.kind == "progressive":
        script = tmp / "scans.txt"
        script.write_text(scan_script(layout))
        cmd += ["-scans", str(script)]
    elif optimise:
        cmd.append("-optimize")
    if layout.restart:
        cmd += ["-restart", f"{layout.restart}B"]
    out = tmp / "out.jpg"
    cmd += ["-outfile", str(out), str(plain)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not out.exists():
        msg = f"jpegtran failed: {proc.stderr.strip() or proc.returncode}"
        raise LocalRepairUnsupported(msg)
    return out.read_bytes()
