"""Run a benchmark stage in its own process tree and measure its time and peak memory."""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path


def tree_memory(pid: int, *, split: bool = False):
    """PSS and RSS (bytes) summed over a process and its children; with ``split``, also
    the PSS of the process itself and the largest PSS of one child."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return (0.0, 0.0, 0.0, 0.0) if split else (0.0, 0.0)
    pss = rss = own = child = 0.0
    for p in procs:
        try:
            info = p.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        pss += info.pss
        rss += info.rss
        if p.pid == pid:
            own = info.pss
        else:
            child = max(child, info.pss)
    return (pss, rss, own, child) if split else (pss, rss)


def run_measured(cmd: list[str], n: int, label: str = "") -> dict:
    """Run ``cmd``; return seconds, items/s over ``n`` and the tree's peak PSS/RSS (MB),
    sampled every 50 ms; ``own`` and ``child``: the peak PSS of the process itself and of
    its largest child."""
    peak = [0.0, 0.0, 0.0, 0.0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)  # the figures, not the reports
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for i, v in enumerate(tree_memory(proc.pid, split=True)):
                peak[i] = max(peak[i], v)
            time.sleep(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    proc.wait()
    seconds = time.perf_counter() - t0
    done.set()
    t.join()
    if proc.returncode:
        raise SystemExit(f"stage {label or cmd} failed with exit code {proc.returncode}")
    return {"seconds": seconds, "rate": n / seconds, "pss": peak[0] / 2**20, "rss": peak[1] / 2**20,
            "own": peak[2] / 2**20, "child": peak[3] / 2**20}


def photo_set(description: str) -> tuple[argparse.Namespace, Path]:
    """Parse ``--frames``, ``--size`` and ``--workers``, and return them with the folder of
    that many simulated JPEGs (made once, shared by the benchmarks)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--size", default="3648x2736")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    data = Path(tempfile.gettempdir()) / f"hotpixels-bench-{args.size}-{args.frames}"
    if len(list(data.glob("frame_*.jpg"))) < args.frames:
        from hotpixels.sim.camera import simulate

        print(f"simulating {args.frames} JPEGs of {args.size} in {data} (once) ...", flush=True)
        simulate(data, frames=args.frames, size=args.size, seed=1)
    return args, data
