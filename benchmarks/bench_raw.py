"""RAW defect finding: hotpixels against rawpy.enhance.find_bad_pixels on one DNG set.

Makes (once, cached) a simulated camera's DNG frames with known defects (every kind:
hot at and below full scale, warm, stuck, dead, an adjacent pair, one on the border,
one that appears later), then runs in one go, each in its own process tree:

(r)   rawpy.enhance.find_bad_pixels(paths)                  (default: hot and dead)
(r2)  rawpy.enhance.find_bad_pixels(paths, find_dead=False)
(h1)  hotpixels find -j 1
(h)   hotpixels find -j <all cores>

and prints precision and recall against the truth (exact photosites), seconds per
frame and the peak memory (PSS summed over the process tree, sampled every 50 ms).

Usage: python benchmarks/bench_raw.py [--frames 20] [--size 4000x3000] [--seed 1]
Needs pip install "hotpixels[bench]" and OpenCV or scikit-image for rawpy.enhance
(pip install opencv-python-headless).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

from _measure import run_measured


def _files(data: Path) -> list[Path]:
    return sorted(data.glob("frame_*.dng"))


def stage_rawpy(data: Path, out: Path, find_dead: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rawpy.enhance warns at import about skimage/cv2
        import rawpy.enhance

    coords = rawpy.enhance.find_bad_pixels([str(p) for p in _files(data)], find_dead=find_dead)
    out.write_text(json.dumps([[int(x), int(y)] for y, x in coords]))


def stage_hotpixels(data: Path, out: Path, workers: int) -> None:
    from hotpixels.pipeline import find

    _, maps = find(_files(data), workers=workers)
    dmap = maps[0][1]
    out.write_text(json.dumps([[d.x, d.y] for d in dmap.defects]))


def make_data(data: Path, frames: int, size: str, seed: int) -> None:
    if len(_files(data)) >= frames:
        return
    from hotpixels.sim.camera import simulate

    print(f"simulating {frames} DNG frames of {size} in {data} (once) ...", flush=True)
    simulate(data, frames=frames, size=size, seed=seed, raw=True, fmt="png")
    for png in data.glob("frame_*.png"):
        png.unlink()  # only the RAW files are compared


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--size", default="4000x3000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--run", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    data = args.data or Path(tempfile.gettempdir()) / (
        f"hotpixels-raw-{args.size}-{args.frames}-s{args.seed}")
    if args.run:
        if args.run.startswith("rawpy"):
            stage_rawpy(data, args.out, find_dead=args.run == "rawpy")
        else:
            stage_hotpixels(data, args.out, args.workers)
        return
    make_data(data, args.frames, args.size, args.seed)
    n = len(_files(data))
    truth = {(d["x"], d["y"]) for d in json.loads((data / "truth.json").read_text())["defects"]}
    cores = os.cpu_count() or 1
    stages = [("r  rawpy.enhance (hot+dead)", "rawpy", 1),
              ("r2 rawpy.enhance find_dead=False", "rawpy-hot", 1),
              ("h1 hotpixels find -j 1", "hotpixels", 1),
              (f"h  hotpixels find -j {cores}", "hotpixels", cores)]  # fmt: skip
    print(f"{n} DNG frames of {args.size} (seed {args.seed}), {len(truth)} true defects, "
          f"{cores} cores")  # fmt: skip
    print(f"{'stage':<34} {'found':>8} {'precision':>9} {'recall':>7} {'s/frame':>8} "
          f"{'peak PSS MB':>12}")  # fmt: skip
    for label, stage, workers in stages:
        out = Path(tempfile.mkdtemp()) / "found.json"
        cmd = [sys.executable, __file__, "--run", stage, "--data", str(data), "--out", str(out),
               "--workers", str(workers)]  # fmt: skip
        r = run_measured(cmd, n, stage)
        found = {tuple(p) for p in json.loads(out.read_text())}
        hits = len(found & truth)
        precision = hits / len(found) if found else 1.0
        print(f"{label:<34} {len(found):>8} {precision:>9.3f} {hits / len(truth):>7.3f} "
              f"{r['seconds'] / n:>8.3f} {r['pss']:>12.0f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
