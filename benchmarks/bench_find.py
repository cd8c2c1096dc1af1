"""Speed and memory of ``hotpixels find`` against the decode bound and the original script.

Makes (once, cached) 40 simulated 10 MP JPEGs, then measures in one run, each stage in
its own process tree so that its memory is its own:

(a)  decode only, fastest decoder, all cores (the bound); (a1) the same on one core;
(b)  the original find: Pillow + float64 Welford (mean, M2), one process;
(c)  the original multiprocessing version: Pool(2), files[i::2], each worker returns
     its full arrays and the parent adds them;
(d)  ``hotpixels find`` with 1 worker and with all cores;
(e)  what one frame costs inside (d), in one process: RGB decode, luma-only decode (for
     comparison), the state update (stacks of 4), the noise threshold and thumbnail, and
     the fixed costs (numba start-up, detection): the floor of (d) against (a).

Prints images/s, the ratios the issue asks for, and peak memory: the largest sum of
PSS (proportional set size: shared pages counted once) over the stage's process tree,
sampled every 50 ms, and the largest RSS sum (shared pages counted per process).

Usage: python benchmarks/bench_find.py [--frames 40] [--size 3648x2736] [--data DIR]
Needs psutil (pip install psutil) and, for the fast decoder, pip install "hotpixels[fast]".
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _measure import run_measured


def _files(data: Path) -> list[Path]:
    return sorted(data.glob("frame_*.jpg"))


def _decode(path: Path) -> np.ndarray:
    try:
        import simplejpeg

        return simplejpeg.decode_jpeg(path.read_bytes())
    except ImportError:
        from PIL import Image

        return np.asarray(Image.open(path).convert("RGB"))


def _decode_many(paths: list[Path]) -> int:
    for p in paths:
        _decode(p)
    return len(paths)


def stage_decode(files: list[Path], workers: int) -> None:
    if workers == 1:
        _decode_many(files)
        return
    chunks = [files[i : i + 4] for i in range(0, len(files), 4)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        sum(pool.map(_decode_many, chunks))


def _welford(paths: list[Path]):
    """The original script's loop: Pillow decode, float64 running mean and M2."""
    from PIL import Image

    n, mean, m2 = 0, None, None
    for p in paths:
        x = np.asarray(Image.open(p), dtype=np.float64)
        if mean is None:
            mean, m2 = np.zeros_like(x), np.zeros_like(x)
        elif x.shape != mean.shape:
            print("shapes don't match")
            continue
        n += 1
        delta = x - mean
        mean += delta / n
        m2 += delta * (x - mean)
    return n, mean, m2


def stage_original(files: list[Path], workers: int) -> None:
    if workers == 1:
        _, _, m2 = _welford(files)
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            parts = pool.map(_welford, [files[i::workers] for i in range(workers)])
        m2 = sum(p[2] for p in parts)
    flat = np.argsort(m2, axis=None)[:10]
    print("lowest M2 at", np.unravel_index(flat[0], m2.shape))


def _ms(fn, items) -> float:
    import time

    t = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - t) * 1000 / len(items)


def stage_costs(files: list[Path]) -> None:
    """Per-frame costs of find's steps in one process (after one warm-up frame)."""
    import time

    import simplejpeg

    from hotpixels import detect
    from hotpixels.engine.repeats import thumbnail
    from hotpixels.stats import Accumulator, accumulate, frame_threshold

    datas = [p.read_bytes() for p in files[:9]]
    t = time.perf_counter()
    frame_threshold(simplejpeg.decode_jpeg(datas[0]))
    start = time.perf_counter() - t
    datas = datas[1:]
    rgb = _ms(simplejpeg.decode_jpeg, datas)
    luma = _ms(lambda d: simplejpeg.decode_jpeg(d, colorspace="GRAY"), datas)
    frames = np.stack([simplejpeg.decode_jpeg(d) for d in datas])
    side = _ms(lambda f: (frame_threshold(f), thumbnail(f)), frames)
    acc = Accumulator.empty(frames.shape[1:], 8, capacity=len(frames))
    ths = [frame_threshold(f) for f in frames]
    accumulate(acc.state, frames[:4], ths[:4])  # touch every page of the state once
    accumulate(acc.state, frames[:4], ths[:4], sign=-1)  # and back to zero, exactly
    update = _ms(lambda k: accumulate(acc.state, frames[k : k + 4], ths[k : k + 4]), [0, 4]) / 4
    acc.n = len(frames)
    t = time.perf_counter()
    detect.detect_defects(acc)
    detection = time.perf_counter() - t
    print(f"e  per frame: decode RGB {rgb:.1f} ms, decode luma only {luma:.1f} ms, update "
          f"{update:.1f} ms, threshold+thumbnail {side:.1f} ms; once: numba start-up "
          f"{start:.2f} s (with one decode), detection {detection:.2f} s")  # fmt: skip
    floor = rgb / (rgb + update + side)
    print(f"   floor of d1/a1 without fixed costs: {floor:.2f} (decode / (decode + update + "
          "threshold + thumbnail))")


def stage_hotpixels(data: Path, workers: int) -> None:
    out = Path(tempfile.mkdtemp()) / "map.json"
    cmd = [sys.executable, "-m", "hotpixels", "find", str(data), "-o", str(out), "-q", "-j", str(workers)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def measure(stage: str, data: Path, workers: int, n: int) -> dict:
    """Run one stage in a child process; return seconds and peak memory of its tree."""
    cmd = [sys.executable, __file__, "--run", stage, "--data", str(data), "--workers", str(workers)]
    return run_measured(cmd, n, stage)


def make_data(data: Path, frames: int, size: str) -> None:
    if len(_files(data)) >= frames:
        return
    from hotpixels.sim.camera import simulate

    print(f"simulating {frames} JPEGs of {size} in {data} (once) ...", flush=True)
    simulate(data, frames=frames, size=size, seed=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--size", default="3648x2736")
    ap.add_argument("--data", type=Path)
    ap.add_argument("--run", help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    data = args.data or Path(tempfile.gettempdir()) / f"hotpixels-bench-{args.size}-{args.frames}"
    if args.run:
        files = _files(data)
        {"decode": lambda: stage_decode(files, args.workers),
         "original": lambda: stage_original(files, args.workers),
         "hotpixels": lambda: stage_hotpixels(data, args.workers),
         "costs": lambda: stage_costs(files)}[args.run]()  # fmt: skip
        return
    make_data(data, args.frames, args.size)
    n = len(_files(data))
    cores = os.cpu_count() or 1
    stages = [("a  decode only, all cores", "decode", cores), ("a1 decode only, 1 core", "decode", 1),
              ("b  original, 1 process", "original", 1), ("c  original, Pool(2)", "original", 2),
              ("d1 hotpixels find -j 1", "hotpixels", 1),
              (f"d  hotpixels find -j {cores}", "hotpixels", cores)]  # fmt: skip
    rows = {}
    print(f"{n} JPEGs of {args.size}, {cores} cores")
    print(f"{'stage':<28} {'s':>6} {'img/s':>7} {'peak PSS MB':>12} {'peak RSS MB':>12}")
    for label, stage, workers in stages:
        r = rows[label[:2].strip()] = measure(stage, data, workers, n)
        print(f"{label:<28} {r['seconds']:>6.1f} {r['rate']:>7.2f} {r['pss']:>12.0f} {r['rss']:>12.0f}",
              flush=True)  # fmt: skip
    a, a1, b, d1, d = rows["a"], rows["a1"], rows["b"], rows["d1"], rows["d"]
    print(f"d / a  = {d['rate'] / a['rate']:.2f}   (target >= 0.75)")
    print(f"d / b  = {d['rate'] / b['rate']:.1f}    (target >= 15)")
    print(f"d1 / a1 = {d1['rate'] / a1['rate']:.2f}  (target >= 0.7)")
    print(f"peak PSS of d: {d['pss']:.0f} MB (target <= 1200 MB); c: {rows['c']['pss']:.0f} MB")
    measure("costs", data, 1, n)


if __name__ == "__main__":
    main()
