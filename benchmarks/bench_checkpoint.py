"""What checkpoints cost: ``hotpixels find`` on the same photos without a checkpoint, with the
default one (saved at the end of each camera) and with one saved after every segment.

Uses the photos of ``bench_find.py`` (40 simulated 10 MP JPEGs, made once) and prints
seconds, the overhead against the run without a checkpoint measured in the same run, the
checkpoint's size and peak memory (PSS of the process tree).

Usage: python benchmarks/bench_checkpoint.py [--frames 40] [--size 3648x2736] [--workers 2]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _measure import photo_set, run_measured


def main() -> None:
    args, data = photo_set(__doc__.splitlines()[0])
    work = Path(tempfile.mkdtemp(prefix="hotpixels-bench-ckpt-"))
    base = [sys.executable, "-m", "hotpixels", "find", str(data), "-q", "-j", str(args.workers),
            "--overwrite"]  # fmt: skip
    stages = [("no checkpoint", []),
              ("checkpoint at each camera's end", ["--checkpoint", str(work / "a.ckpt")]),
              ("checkpoint after every segment", ["--checkpoint", str(work / "b.ckpt"),
                                                  "--checkpoint-every", "0"])]  # fmt: skip
    print(f"{args.frames} JPEGs of {args.size}, {args.workers} worker(s)")
    print(f"{'stage':<34} {'s':>6} {'overhead s':>11} {'peak PSS MB':>12}")
    first = None
    for label, extra in stages:
        r = run_measured([*base, "-o", str(work / "map.json"), *extra], args.frames, label)
        first = first or r
        print(f"{label:<34} {r['seconds']:>6.2f} {r['seconds'] - first['seconds']:>11.2f} "
              f"{r['pss']:>12.0f}", flush=True)  # fmt: skip
    state = 3648 * 2736 * 3 * 18 if args.size == "3648x2736" else None
    if state:
        print(f"one checkpoint holds the state: about {state / 2**20:.0f} MB per 10 MP camera")


if __name__ == "__main__":
    main()
