"""Checkpoint and resume: a run stopped at any point, even killed, continues to exactly
the map of a run that was never stopped, and leaves nothing of its state behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hotpixels.engine import LocalEngine, make_plan, run
from hotpixels.engine import chunks as chunking
from hotpixels.errors import ParameterError
from hotpixels.sim.camera import simulate


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """Two cameras' photos, a burst among them, so that repeats cross chunk boundaries."""
    out = tmp_path_factory.mktemp("ckpt")
    simulate(out / "a", frames=24, size="320x240", seed=3, burst=7)
    simulate(out / "b", frames=12, size="256x192", seed=4, model="other")
    return out


class Stop(Exception):
    pass


@pytest.mark.parametrize("after", [3, 11, 30])
def test_a_run_stopped_after_any_file_resumes_to_the_same_statistics(photos, tmp_path, monkeypatch, after):
    monkeypatch.setattr(chunking, "CHUNK", 4)  # many chunks, many checkpoints
    plan = make_plan([photos])
    whole = run(plan)
    ckpt = tmp_path / "run.ckpt"
    seen = []

    def stop_after(path, error):
        seen.append(path)
        if len(seen) == after:
            raise Stop

    with pytest.raises(Stop):
        run(plan, LocalEngine(1, checkpoint=ckpt, checkpoint_every=0), progress=stop_after)
    assert ckpt.exists() == (after > 8)  # saved after each segment of 2 chunks of 4 files
    resumed = run(plan, LocalEngine(1, checkpoint=ckpt, checkpoint_every=0))
    for a, b in zip(whole.groups, resumed.groups, strict=True):
        assert a.acc == b.acc and (a.files, a.repeats) == (b.files, b.repeats)
    assert any(g.repeats for g in whole.groups)


def test_a_checkpoint_of_other_files_is_refused(photos, tmp_path):
    ckpt = tmp_path / "run.ckpt"
    run(make_plan([photos / "a"]), LocalEngine(1, checkpoint=ckpt))
    with pytest.raises(ParameterError, match="a checkpoint of another run"):
        run(make_plan([photos / "b"]), LocalEngine(1, checkpoint=ckpt))


def _ours(pid: int) -> list[str]:
    places = ["/dev/shm", os.environ.get("TMPDIR", "/tmp")]
    return [e for p in places if os.path.isdir(p) for e in os.listdir(p) if e.startswith(f"hotpixels-{pid}-")]


def _find(photos: Path, out: Path, ckpt: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "hotpixels", "find", str(photos), "-o", str(out), "-q",
            "--checkpoint", str(ckpt), "--checkpoint-every", "0", *extra]  # fmt: skip


@pytest.mark.parametrize("workers", ["1", "2"])
def test_killed_at_several_points_and_resumed_gives_the_same_map(photos, tmp_path, workers):
    ref, out, ckpt = tmp_path / "ref", tmp_path / "maps", tmp_path / "run.ckpt"
    ref.mkdir()
    out.mkdir()  # two cameras: a folder of maps
    subprocess.run(_find(photos, ref, tmp_path / "ref.ckpt", "-j", workers), check=True)
    kills = 0
    for wait in (0.0, 0.05, 0.15):  # seconds after the first checkpoint (0: before any)
        proc = subprocess.Popen(_find(photos, out, ckpt, "-j", workers))
        deadline = time.monotonic() + 60
        while wait and not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(wait or 0.3)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        assert not any(out.iterdir()) or proc.returncode == 0
        for p in out.iterdir():
            p.unlink()
        stale = proc.pid
    assert kills >= 1
    done = subprocess.run(_find(photos, out, ckpt, "-j", workers), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

    def maps(folder: Path) -> dict:
        return {p.name: json.loads(p.read_text()) for p in folder.iterdir()}

    assert len(maps(ref)) == 2 and maps(out) == maps(ref)
    assert not ckpt.exists()  # removed once the maps are written
    assert _ours(stale) == [] and _ours(done.returncode) == []  # the killed run's state is gone
