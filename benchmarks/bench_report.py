"""The HTML report: its size and the time to build it.

Simulates the demo's camera (30 JPEGs of 1600x1200, seed 7) and a camera with 35
defects (the varied set ``jpeg-bilinear``, 640x480), finds their defects, and builds
each report with crops of up to 20 defects (the issue's figure) from all 30 photos.
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
from hotpixels.sim.style import SETS


def one(name: str, **kw) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sim = simulate(Path(tmp), **kw)
        _, [gm] = find(sim.frames)
        dmap = gm.dmap
        times, html = [], ""
        for _ in range(3):
            t = time.perf_counter()
            html = build_report(dmap, sim.frames, limit=20)
            times.append(time.perf_counter() - t)
        empty = build_report(type(dmap)(dmap.width, dmap.height, [], frames=dmap.frames))
    print(name)
    print(f"defects in the map      {len(dmap.defects)}")
    print(f"crops                   {min(20, len(dmap.defects))}")
    print(f"build time (best of 3)  {min(times):.2f} s")
    print(f"report size             {len(html.encode()) / 1024:.0f} kB")
    print(f"empty map report        {len(empty.encode()) / 1024:.0f} kB")


def main() -> None:
    one("demo camera", frames=30, size=(1600, 1200), seed=7)
    one("35 defects", size=(640, 480), seed=1, **SETS["jpeg-bilinear"])


if __name__ == "__main__":
    main()
