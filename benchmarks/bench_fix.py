"""Speed, size and error of JPEG repair: block-local against re-encoding the whole file.

Makes (once, cached) a few 10 MP JPEGs with 5 hot pixels each, and their defect-free
twins, then repairs the 5 pixels three ways, one core:

* ``local``: hotpixels' default, only the 8x8 blocks of the repaired pixels change;
* ``reencode``: ``hotpixels fix --reencode``, the whole file at its own quality;
* ``original``: the original script's way, the whole file re-encoded at quality 97.

Prints seconds per file, the size change, the mean error at the repaired pixels against
the twin, and the share of 8x8 luma blocks whose coefficients changed.

Usage: python benchmarks/bench_fix.py [--files 3] [--size 3648x2736] [--data DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from hotpixels.repair.files import fix_image_file
from hotpixels.repair.pixels import correct_pixels

DEFECTS = 5


def make_data(data: Path, files: int, size: str) -> list[tuple[Path, Path, list]]:
    w, h = map(int, size.split("x"))
    data.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    pts = [(int(rng.integers(0, w)), int(rng.integers(0, h))) for _ in range(DEFECTS)]
    out = []
    for i in range(files):
        photo, twin = data / f"photo_{i}.jpg", data / f"twin_{i}.jpg"
        if not photo.exists():
            yy, xx = np.mgrid[:h, :w].astype(np.float32)
            base = np.stack([100 + 50 * np.sin(xx / (17 + i)), 120 + 40 * np.cos(yy / 13),
                             90 + 30 * np.sin((xx + yy) / 23)], -1)  # fmt: skip
            clean = (base + rng.normal(0, 4, base.shape)).clip(0, 255).astype(np.uint8)
            hot = clean.copy()
            for x, y in pts:
                hot[y, x] = (255, 90, 60)
            exif = Image.Exif()
            exif[0x0110] = "HP-1"
            for arr, path in ((hot, photo), (clean, twin)):
                Image.fromarray(arr).save(path, quality=92, subsampling=2, exif=exif.tobytes())
        out.append((photo, twin, pts))
    return out


def _original(src: Path, dst: Path, pts) -> None:
    img = np.asarray(Image.open(src).convert("RGB"))
    Image.fromarray(correct_pixels(img, pts)).save(dst, quality=97)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=3)
    ap.add_argument("--size", default="3648x2736")
    ap.add_argument("--data", type=Path)
    args = ap.parse_args()
    data = args.data or Path(tempfile.gettempdir()) / f"hotpixels-fix-{args.size}"
    sets = make_data(data, args.files, args.size)
    out = Path(tempfile.mkdtemp())
    methods = {
        "local": lambda s, d, p: fix_image_file(s, d, p, overwrite=True),
        "reencode": lambda s, d, p: fix_image_file(s, d, p, overwrite=True, reencode=True),
        "original": _original,
    }
    try:
        import jpeglib
    except ImportError:
        jpeglib = None
    print(f"{len(sets)} JPEGs of {args.size}, {DEFECTS} defects each, one core")
    print(f"{'method':<10} {'s/file':>7} {'size change':>12} {'error':>7} {'blocks changed':>15}")
    for name, run in methods.items():
        secs, sizes, errs, blocks = [], [], [], []
        for i, (photo, twin, pts) in enumerate(sets):
            dst = out / f"{name}_{i}.jpg"
            t0 = time.perf_counter()
            run(photo, dst, pts)
            secs.append(time.perf_counter() - t0)
            sizes.append(dst.stat().st_size / photo.stat().st_size - 1)
            got = np.asarray(Image.open(dst)).astype(float)
            ref = np.asarray(Image.open(twin)).astype(float)
            ys, xs = [y for _, y in pts], [x for x, _ in pts]
            errs.append(np.abs(got[ys, xs] - ref[ys, xs]).mean())
            if jpeglib is not None:
                a, b = jpeglib.read_dct(str(photo)).Y, jpeglib.read_dct(str(dst)).Y
                blocks.append((a != b).any(axis=(2, 3)).mean() if a.shape == b.shape else 1.0)
        share = f"{100 * np.mean(blocks):.4f} %" if blocks else "n/a"
        print(f"{name:<10} {np.mean(secs):>7.2f} {100 * np.mean(sizes):>+11.2f}% "
              f"{np.mean(errs):>7.2f} {share:>15}")  # fmt: skip
    print("error: mean |repaired - defect-free twin| at the repaired pixels, in levels")


if __name__ == "__main__":
    main()
