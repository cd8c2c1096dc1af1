"""The Dask engine against the local one: ``hotpixels find`` on the same photos, locally and
on a ``LocalCluster`` of the same number of worker processes, and what a cluster costs per
task (state size, transfer, merge), with an estimate for a large cluster.

Uses the photos of ``bench_find.py`` (simulated 10 MP JPEGs, made once). Prints seconds,
images/s, the Dask run's overhead in seconds against the local run measured in the same
run, the peak PSS of the whole process tree, of the client process alone and of the
largest worker (a Dask worker runs under a nanny: one child each), then a scaling
estimate from the measured costs.

Usage: python benchmarks/bench_dask.py [--frames 40] [--size 3648x2736] [--workers 2]
"""

from __future__ import annotations

import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _measure import photo_set, run_measured


def _state_costs(shape: tuple[int, int, int], frames: int) -> dict:
    """Size of one pickled state, and seconds to pickle, unpickle and merge two."""
    from hotpixels.stats import Accumulator

    rng = np.random.default_rng(0)
    a = Accumulator.empty(shape, 8, capacity=frames)
    b = Accumulator.empty(shape, 8, capacity=frames)
    for acc in (a, b):
        for name in ("s1", "s2", "srr"):
            getattr(acc, name)[...] = rng.integers(0, 2**20, shape, dtype=np.uint32)
        acc.n = frames // 2
    t = time.perf_counter()
    blob = pickle.dumps(a, protocol=5)
    t_dump = time.perf_counter() - t
    t = time.perf_counter()
    pickle.loads(blob)
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    a.merge(b)
    t_merge = time.perf_counter() - t
    return {"bytes": len(blob), "dump": t_dump, "load": t_load, "merge": t_merge}


def main() -> None:
    args, data = photo_set(__doc__.splitlines()[0])
    work = Path(tempfile.mkdtemp(prefix="hotpixels-bench-dask-"))
    base = [sys.executable, "-m", "hotpixels", "find", str(data), "-q", "-j", str(args.workers)]
    stages = [("local engine", []), ("dask LocalCluster", ["--engine", "dask"]),
              ("dask LocalCluster, bytes shipped", ["--engine", "dask", "--ship-bytes"])]  # fmt: skip
    print(f"{args.frames} JPEGs of {args.size}, {args.workers} worker process(es)")
    print(f"{'stage':<34} {'s':>6} {'img/s':>6} {'overhead s':>11} {'PSS MB: all':>12} "
          f"{'client':>7} {'worker':>7}")  # fmt: skip
    first = None
    maps = []
    for i, (label, extra) in enumerate(stages):
        out = work / f"map{i}.json"
        r = run_measured([*base, "-o", str(out), *extra], args.frames, label)
        first = first or r
        maps.append(out.read_text())
        print(f"{label:<34} {r['seconds']:>6.2f} {r['rate']:>6.2f} {r['seconds'] - first['seconds']:>11.2f} "
              f"{r['pss']:>12.0f} {r['own']:>7.0f} {r['child']:>7.0f}", flush=True)  # fmt: skip
    import json

    import distributed

    t = time.perf_counter()
    with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                  dashboard_address=":0") as c, distributed.Client(c) as client:  # fmt: skip
        t_up = time.perf_counter() - t
        t = time.perf_counter()
        client.submit(_state_costs, (192, 256, 3), 2).result()  # imports hotpixels on a worker
        t_import = time.perf_counter() - t
    print(f"LocalCluster of {args.workers}: {t_up:.2f} s to start, {t_import:.2f} s for a first task "
          "(imports on the worker)")  # fmt: skip
    docs = [{k: v for k, v in json.loads(m).items() if k != "tool"} for m in maps]
    print("maps identical:", all(d == docs[0] for d in docs))

    w, h = (int(v) for v in args.size.lower().split("x"))
    costs = _state_costs((h, w, 3), args.frames)
    per_file = first["seconds"] * args.workers / args.frames  # worker-seconds per photo, local
    print(f"\nper 10 MP state: {costs['bytes'] / 2**20:.0f} MB pickled; pickle {costs['dump']:.2f} s, "
          f"unpickle {costs['load']:.2f} s, merge of two {costs['merge']:.2f} s")  # fmt: skip
    print(f"per photo: {per_file:.3f} worker-seconds (local run, start-up and detection included)")
    # A million photos on 100 workers, tasks of 256 files (MAX_TASK_FILES).
    photos, workers, task = 1_000_000, 100, 256
    tasks = photos // task
    compute = photos * per_file / workers
    link = 1.25e9  # bytes/s: a 10 Gbit/s network per worker
    ship = costs["bytes"] / link + costs["dump"] + costs["load"]
    merges = (tasks - 1) * (costs["merge"] + ship) / workers  # spread over the workers
    print(f"estimate, {photos} photos on {workers} workers ({tasks} tasks of {task}): compute "
          f"{compute / 3600:.2f} h, state transfers and merges {merges / 60:.1f} min "
          f"({ship + costs['merge']:.2f} s per task against {task * per_file:.0f} s of work), "
          f"final tree depth {int(np.ceil(np.log2(tasks)))}")  # fmt: skip


if __name__ == "__main__":
    main()
