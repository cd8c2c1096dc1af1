"""Detection quality: hotpixels against the original script's rule on the same sets.

The original printed the 10 subpixels with the lowest temporal variance (Welford M2);
each is taken as one reported defect. Both run on the same simulated cameras (the sets
of the test suite) and are scored with ``hotpixels.evaluate`` (match within 2 px,
one-to-one). Prints precision, recall, F1 and seconds per frame.

Usage: python benchmarks/bench_detect.py [--quick]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from hotpixels.detect import detect_defects, variance_ranking
from hotpixels.maps.model import Defect, DefectMap
from hotpixels.pipeline import scan
from hotpixels.sim.camera import simulate
from hotpixels.sim.evaluate import evaluate

SETS = [
    ("40 frames, seed 1", {"frames": 40, "seed": 1}),
    ("40 frames, seed 2", {"frames": 40, "seed": 2}),
    ("40 frames, seed 3", {"frames": 40, "seed": 3}),
    ("defect-free, 30", {"frames": 30, "seed": 4, "defects": False}),
    ("burst 40 of 60", {"frames": 60, "seed": 2, "burst": 40}),
    ("15 photos", {"frames": 15, "seed": 3}),
]


def main() -> None:
    quick = "--quick" in sys.argv
    sets = SETS[:1] + SETS[3:4] if quick else SETS
    print(f"{'set':<20} {'method':<22} {'found':>5} {'P':>6} {'R':>6} {'F1':>6} {'s/frame':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, kw in sets:
            out = Path(tmp) / name.replace(" ", "_").replace(",", "")
            sim = simulate(out, size=(1600, 1200), **kw)
            t0 = time.perf_counter()
            res = scan([out])
            group = res.groups[0]
            dmap = detect_defects(group.acc)
            t_hp = (time.perf_counter() - t0) / kw["frames"]
            ev = evaluate(dmap, sim.truth_path)
            print(f"{name:<20} {'hotpixels':<22} {len(dmap.defects):>5} {ev.precision:>6.3f} "
                  f"{ev.recall:>6.3f} {ev.f1:>6.3f} {t_hp:>8.3f}")  # fmt: skip
            # The original: every frame (no repeat detection), lowest variance, top 10.
            res_all = scan([out], repeats=False)
            lowest = variance_ranking(res_all.groups[0].acc, 10)
            orig = DefectMap(1600, 1200, [Defect(x, y) for x, y, _, _ in lowest])
            ev0 = evaluate(orig, sim.truth_path)
            print(f"{'':<20} {'lowest variance top 10':<22} {10:>5} {ev0.precision:>6.3f} "
                  f"{ev0.recall:>6.3f} {ev0.f1:>6.3f} {'':>8}")  # fmt: skip


if __name__ == "__main__":
    main()
