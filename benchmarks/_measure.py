"""Run a benchmark stage in its own process tree and measure its time and peak memory."""

from __future__ import annotations

import subprocess
import threading
import time


def tree_memory(pid: int) -> tuple[float, float]:
    """PSS and RSS (bytes) summed over a process and its children."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0, 0.0
    pss = rss = 0.0
    for p in procs:
        try:
            info = p.memory_full_info()
            pss += info.pss
            rss += info.rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return pss, rss


def run_measured(cmd: list[str], n: int, label: str = "") -> dict:
    """Run ``cmd``; return seconds, items/s over ``n`` and the tree's peak PSS/RSS (MB),
    sampled every 50 ms."""
    peak = [0.0, 0.0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            pss, rss = tree_memory(proc.pid)
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            time.sleep(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    proc.wait()
    seconds = time.perf_counter() - t0
    done.set()
    t.join()
    if proc.returncode:
        raise SystemExit(f"stage {label or cmd} failed with exit code {proc.returncode}")
    return {"seconds": seconds, "rate": n / seconds, "pss": peak[0] / 2**20, "rss": peak[1] / 2**20}
