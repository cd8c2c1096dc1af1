"""Resources: a small /dev/shm sends the state to disk with the same map; hostile headers
cost no more memory than a normal run; no state outlives a run."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hotpixels.engine.state import choose_folder, clean_stale
from hotpixels.errors import OutOfSpaceError


def _can_unshare() -> bool:
    if not shutil.which("unshare") or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _can_unshare(), reason="needs root and unshare -m (a private mount namespace)")
def test_a_64_mb_dev_shm_falls_back_to_disk_with_the_same_map(sim_factory, tmp_path):
    sim, _, maps = sim_factory(frames=15, size=(1600, 1200), seed=3)  # 92 MB of state
    out = tmp_path / "map.json"
    script = (f"mount -t tmpfs -o size=64m tmpfs /dev/shm && "
              f"{sys.executable} -m hotpixels find {sim.frames[0].parent} -o {out} -q -j 2")  # fmt: skip
    res = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert json.loads(out.read_text())["defects"] == maps[0].dmap.to_dict()["defects"]


def test_no_place_with_room_is_a_clear_error(tmp_path):
    with pytest.raises(OutOfSpaceError, match=r"need .* MB of room and .* has"):
        choose_folder(2**62, tmp_path)
    assert choose_folder(1000, tmp_path) == str(tmp_path)


def test_stale_state_of_a_dead_run_is_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / f"hotpixels-{dead.pid}-abc").mkdir()
    (tmp_path / f"hotpixels-{os.getpid()}-mine").mkdir()
    (tmp_path / "hotpixels-notapid-x").mkdir()
    clean_stale(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"hotpixels-{os.getpid()}-mine",
                                                          "hotpixels-notapid-x"]  # fmt: skip


def _peak_rss_mb(args: list[str]) -> float:
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1]) / 1024


def test_bomb_headers_cost_no_more_memory_than_a_normal_run(small_sim, tmp_path, corpus):
    sys.path.insert(0, str(Path(__file__).parents[1] / "cli"))

    plain, bombs = tmp_path / "plain", tmp_path / "bombs"
    for folder in (plain, bombs):
        folder.mkdir()
        for f in small_sim.frames:
            shutil.copy(f, folder / f.name)
    (bombs / "a.png").write_bytes(corpus.png_claiming(60000, 60000))
    (bombs / "b.png").write_bytes(corpus.png_claiming(15000, 15000))  # under Pillow's own limit
    for i in range(5):  # a group of liars large enough to decide
        (bombs / f"liar{i}.png").write_bytes(corpus.png_claiming(12000, 12000))

    def run(folder):
        return _peak_rss_mb([sys.executable, "-m", "hotpixels", "find", str(folder), "-o",
                             str(tmp_path / f"{folder.name}.json"), "-q", "-j", "1"])  # fmt: skip

    base, hostile = run(plain), run(bombs)
    assert hostile < base + 60, (base, hostile)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 0
