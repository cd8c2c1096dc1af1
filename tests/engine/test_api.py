"""The engine API: a second engine, built only from the public pieces (chunks, fresh
accumulators merged, repeats settled in order, finalize), gives the local engine's
statistics bit for bit; plans say what they hold."""

from __future__ import annotations

import numpy as np
import pytest

from hotpixels.detect import detect_defects
from hotpixels.engine import LocalEngine, make_plan, run
from hotpixels.engine import chunks as chunking
from hotpixels.engine.base import ScanResult, finalize
from hotpixels.engine.chunks import Status, accumulate_chunk, chunks_of, stack_for, undo_chunks
from hotpixels.engine.repeats import Resolver
from hotpixels.errors import NoInputError
from hotpixels.sim.camera import simulate
from hotpixels.stats import Accumulator


class MergingEngine:
    """Every chunk into a fresh accumulator, merged at the end: how a cluster engine works."""

    def run(self, plan, *, progress=None) -> ScanResult:
        resolver, parts, outcomes = Resolver(), {}, {}
        chunks = chunks_of(plan, workers=3)

        def work(chunk):
            group = plan.groups[chunk.group]
            part = Accumulator.empty(group.shape, group.bits, capacity=len(group.files))
            dtype = np.uint8 if group.bits == 8 else np.uint16
            result = accumulate_chunk(chunk, part, stack_for(group.shape, dtype))
            parts[chunk.group] = parts.get(chunk.group, Accumulator()).merge(part)
            return result

        for chunk in chunks:  # in file order; a cluster would run them anywhere, then settle
            result = work(chunk)
            resolver.settle(chunk, result, Status.REPEAT)
            outcomes.setdefault(chunk.group, []).extend(result.outcomes)
        for chunk in undo_chunks(resolver, plan):
            work(chunk)
        groups, failures = [], list(plan.failures)
        for g, group in enumerate(plan.groups):
            stats, failed = finalize(group, parts[g], outcomes[g])
            failures += failed
            groups.append(stats)
        return ScanResult(groups, failures, 1, plan.skipped)


@pytest.fixture(scope="module")
def burst_set(tmp_path_factory):
    out = tmp_path_factory.mktemp("burst-api")
    simulate(out, frames=22, size="256x192", seed=7, burst=9)
    return out


def test_a_merging_engine_gives_the_local_engines_statistics(burst_set, monkeypatch):
    monkeypatch.setattr(chunking, "CHUNK", 3)  # bursts cross many chunk boundaries
    monkeypatch.setattr(chunking, "STACK", 2)
    plan = make_plan([burst_set])
    local = run(plan, LocalEngine(2)).groups[0]
    merged = run(plan, MergingEngine()).groups[0]
    assert merged.acc == local.acc and merged.acc.seen.any()
    assert np.array_equal(merged.acc.seen, local.acc.seen)
    assert merged.files == local.files and merged.repeats == local.repeats
    assert len(local.repeats) >= 6
    assert (merged.acc.first_taken, merged.acc.last_taken) == (local.acc.first_taken, local.acc.last_taken)
    a = detect_defects(local.acc, camera=local.key, dates=local.dates)
    b = detect_defects(merged.acc, camera=merged.key, dates=merged.dates)
    assert a.defects and a.to_dict() == b.to_dict()


def test_a_plan_groups_and_ranks_the_files(small_sim, tmp_path):
    plan = make_plan(small_sim.frames)
    [group] = plan.groups
    assert len(group.files) == len(small_sim.frames) == plan.n_files
    assert group.shape == (192, 256, 3) and group.levels is None
    assert sorted(i.rank for i in group.files) == list(range(len(group.files)))
    assert group.dates == sorted(group.dates)
    with pytest.raises(NoInputError, match="no image files found"):
        make_plan([tmp_path])


def test_a_part_that_saw_only_repeats_still_merges_its_dates():
    a, b = Accumulator(), Accumulator.empty((4, 4, 1), 8)
    a.update(np.full((4, 4, 1), 10, np.uint8))
    b.seen[1, 1, 0] = 65535  # a repeat's first date; no frame counted (n == 0)
    assert a.merge(b).seen[1, 1, 0] == 65535 and a.merge(b).n == 1
