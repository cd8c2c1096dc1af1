"""The HTML report: its size and the time to build it, for the demo camera.

Simulates the demo's camera (30 JPEGs of 1600x1200, seed 7), finds its defects, and
builds the report with crops of 20 defects (the issue's figure), from all 30 photos.
Prints the number of defects, the seconds to build (best of 3) and the size in kB.

Usage: python benchmarks/bench_report.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from hotpixels.pipeline import find
from hotpixels.report.html import build_report
from hotpixels.sim.camera import simulate


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sim = simulate(Path(tmp), frames=30, size=(1600, 1200), seed=7)
        _, [gm] = find(sim.frames)
        dmap = gm.dmap
        times, html = [], ""
        for _ in range(3):
            t = time.perf_counter()
            html = build_report(dmap, sim.frames, limit=20)
            times.append(time.perf_counter() - t)
        empty = build_report(type(dmap)(dmap.width, dmap.height, [], frames=dmap.frames))
    print(f"defects in the map      {len(dmap.defects)}")
    print(f"crops                   {min(20, len(dmap.defects))}")
    print(f"build time (best of 3)  {min(times):.2f} s")
    print(f"report size             {len(html.encode()) / 1024:.0f} kB")
    print(f"empty map report        {len(empty.encode()) / 1024:.0f} kB")


if __name__ == "__main__":
    main()
