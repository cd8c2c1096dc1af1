"""The Dask engine gives the local engine's statistics and maps exactly: across task
boundaries (bursts), with a worker killed mid-run, and with file bytes shipped."""

from __future__ import annotations

import json
import os
import signal

import pytest
from click.testing import CliRunner

from hotpixels.engine import LocalEngine, make_plan, run
from hotpixels.pipeline import find
from hotpixels.sim.camera import simulate

#: Fields of a map that say when it was made, not what it holds.
_TIMING = ("tool",)


@pytest.fixture(scope="module")
def burst_set(tmp_path_factory):
    """30 photos with a 9-frame burst and a defect that appears a third of the way in."""
    out = tmp_path_factory.mktemp("dask-burst")
    simulate(out, frames=30, size="320x240", seed=12, burst=9)
    return out


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as c, distributed.Client(c) as client:  # fmt: skip
        yield client


@pytest.fixture(scope="module")
def local_maps(burst_set):
    return find([burst_set], workers=2, engine=LocalEngine(2))


def _doc(dmap) -> dict:
    return {k: v for k, v in dmap.to_dict().items() if k not in _TIMING}


def _same(result, reference) -> None:
    [a], [b] = reference.scan.groups, result.scan.groups
    assert b.acc == a.acc and (b.files, b.repeats) == (a.files, a.repeats)
    assert _doc(result.maps[0].dmap) == _doc(reference.maps[0].dmap)


def test_the_dask_engine_gives_the_local_map(burst_set, cluster, local_maps):
    from hotpixels.engine.cluster import DaskEngine

    lines = []
    engine = DaskEngine(client=cluster, task_size=4, on_start=lines.append)  # tasks cut the burst
    result = find([burst_set], workers=2, engine=engine)
    _same(result, local_maps)
    group = result.scan.groups[0]
    assert len(group.repeats) >= 6 and result.maps[0].dmap.defects
    assert any(d.first_seen for d in result.maps[0].dmap.defects)  # the late defect, dated
    assert lines and "2 worker(s)" in lines[0] and "dashboard" in lines[0]


def test_shipped_bytes_give_the_same_map(burst_set, cluster, local_maps):
    from hotpixels.engine.cluster import DaskEngine

    _same(find([burst_set], workers=2, engine=DaskEngine(client=cluster, task_size=8, ship_bytes=True)),
          local_maps)  # fmt: skip


def test_a_worker_killed_mid_run_changes_nothing(burst_set, local_maps):
    distributed = pytest.importorskip("distributed")
    from hotpixels.engine.cluster import DaskEngine

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as c, distributed.Client(c) as client:  # fmt: skip
        pids = sorted(client.run(os.getpid).values())
        done = []

        def progress(path, error):
            done.append(path)
            if len(done) == 8:  # a third of the way: the victim holds tasks and states
                os.kill(pids[0], signal.SIGKILL)

        result = find([burst_set], workers=2, progress=progress,
                      engine=DaskEngine(client=client, task_size=4))  # fmt: skip
        assert pids[0] not in client.run(os.getpid).values()  # it was killed, and replaced
    _same(result, local_maps)
    assert len(done) == 30  # each file reported once


def test_a_file_that_fails_on_a_worker_is_reported_once(tmp_path, cluster):
    from hotpixels.engine.cluster import DaskEngine

    simulate(tmp_path, frames=8, size="256x192", seed=3)
    plan = make_plan([tmp_path])
    victim = plan.groups[0].files[3].path
    victim.write_bytes(victim.read_bytes()[:500])  # cut short after planning
    seen = []
    result = run(plan, DaskEngine(client=cluster, task_size=4), progress=lambda p, e: seen.append((p, e)))
    local = run(plan, LocalEngine(1))
    assert [p for p, _ in result.failures] == [victim] and result.failures == local.failures
    assert [p for p, e in seen if e] == [victim]
    assert result.groups[0].acc == local.groups[0].acc


def test_find_on_a_local_dask_cluster_from_the_command_line(burst_set, tmp_path, local_maps):
    pytest.importorskip("distributed")
    from hotpixels.cli import cli

    out = tmp_path / "map.json"
    res = CliRunner().invoke(cli, ["find", str(burst_set), "--engine", "dask", "-j", "2", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "Dask: 2 worker(s)" in res.output
    doc = {k: v for k, v in json.loads(out.read_text()).items() if k not in _TIMING}
    assert doc == _doc(local_maps.maps[0].dmap)
    res = CliRunner().invoke(cli, ["find", str(burst_set), "--engine", "dask", "--checkpoint",
                                   str(tmp_path / "c"), "-o", str(tmp_path / "x.json")])  # fmt: skip
    assert res.exit_code == 2 and "--checkpoint works with the local engine" in res.output
    res = CliRunner().invoke(cli, ["find", str(burst_set), "--ship-bytes", "-o", str(tmp_path / "y.json")])
    assert res.exit_code == 2 and "--ship-bytes is for a Dask cluster" in res.output


def test_without_the_extra_the_message_names_it(monkeypatch, tmp_path):
    import sys

    from hotpixels.cli import cli

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    res = CliRunner().invoke(cli, ["find", str(tmp_path), "--engine", "dask"])
    assert res.exit_code == 2 and 'pip install "hotpixels[dask]"' in res.output
    assert "Traceback" not in res.output


def test_an_unreachable_scheduler_is_one_line(burst_set):
    pytest.importorskip("distributed")
    from hotpixels.engine.cluster import DaskEngine
    from hotpixels.errors import ParameterError

    with pytest.raises(ParameterError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        run(make_plan([burst_set]), DaskEngine("tcp://127.0.0.1:9", timeout=2))
