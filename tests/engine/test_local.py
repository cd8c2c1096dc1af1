"""The local engine: same statistics and map for any worker count and decoder; bounded memory."""

from __future__ import annotations

import numpy as np
import pytest

from hotpixels.detect import detect_defects
from hotpixels.engine import LocalEngine, local
from hotpixels.engine import chunks as chunking
from hotpixels.engine.plan import GroupPlan, Plan
from hotpixels.io.decode import probe
from hotpixels.io.images import read_frame
from hotpixels.pipeline import find, scan
from hotpixels.sim.camera import simulate
from hotpixels.stats import Accumulator


@pytest.fixture(scope="module")
def burst_set(tmp_path_factory):
    """JPEGs with a burst, so that repeats fall on chunk boundaries."""
    out = tmp_path_factory.mktemp("burst")
    simulate(out, frames=22, size="256x192", seed=7, burst=9)
    return out


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(chunking, "CHUNK", 3)  # many chunk boundaries inside the burst
    monkeypatch.setattr(chunking, "STACK", 2)


@pytest.mark.parametrize("workers", [2, 3])
def test_same_statistics_and_map_for_any_worker_count(burst_set, small_chunks, workers):
    one = scan([burst_set], workers=1).groups[0]
    many = scan([burst_set], workers=workers).groups[0]
    assert many.acc == one.acc
    assert many.repeats == one.repeats and len(one.repeats) >= 6
    assert many.files == one.files
    assert detect_defects(many.acc).to_dict() == detect_defects(one.acc).to_dict()


def test_repeats_on_chunk_boundaries_are_subtracted_exactly(burst_set, small_chunks):
    pooled = scan([burst_set], workers=2).groups[0]
    direct = Accumulator()
    for path in pooled.files:
        direct.update(read_frame(path).data)
    for name in ("s1", "s2", "srr", "nexc"):
        assert np.array_equal(getattr(pooled.acc, name), getattr(direct, name)), name
    # seen: the earliest frame by date that showed each subpixel, repeats included
    every = sorted(pooled.files + pooled.repeats, key=lambda p: (probe(p).taken, str(p)))
    dated = Accumulator()
    for rank, path in enumerate(every):
        dated.update(read_frame(path).data, rank=rank)
    assert pooled.acc.seen.any() and np.array_equal(pooled.acc.seen, dated.seen)


def test_map_does_not_depend_on_decoder(burst_set, simplejpeg):
    maps = [detect_defects(scan([burst_set], decoder=d).groups[0].acc).to_dict()
            for d in ("pillow", "simplejpeg")]  # fmt: skip
    assert maps[0] == maps[1]


def _rss_kb() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS"))


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/status"), reason="needs /proc")
def test_memory_is_flat_in_the_number_of_photos(tmp_path):
    simulate(tmp_path, frames=8, size="640x480", seed=4, fmt="png")
    files = sorted(tmp_path.glob("frame_*.png"))
    scan(files, repeats=False)  # warm up: imports, compiled kernels
    samples = []
    infos = [probe(f) for f in files] * 30  # 240 decodes: the state and buffers are reused
    plan = Plan([GroupPlan(infos[0].key, 8, tuple(infos))], repeats=False)
    LocalEngine(1).run(plan, progress=lambda path, error: samples.append(_rss_kb()))
    growth = samples[-1] - samples[len(samples) // 4]
    assert growth < 8 * 1024, f"RSS grew by {growth} kB over {len(infos)} frames"


@pytest.mark.slow
def test_raw_map_does_not_depend_on_workers(raw_sims, monkeypatch):
    monkeypatch.setattr(local, "SPAWN_FILES_PER_WORKER", 1)  # really start 2 workers
    sim, _, [(_, serial, _)] = raw_sims(1)
    _, [(_, pooled, _)] = find(sim.raw_frames, workers=2)
    assert pooled.to_dict()["defects"] == serial.to_dict()["defects"]
