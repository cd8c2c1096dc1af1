"""The map library: add, list, remove; fix without --map repairs each camera with its own
map and leaves photos of unknown cameras alone; find --save adds to it."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from hotpixels.cli import cli
from hotpixels.io.images import read_frame
from hotpixels.maps.library import LIBRARY_ENV, MapLibrary
from hotpixels.maps.model import Camera, Defect, DefectMap
from hotpixels.sim.camera import simulate


@pytest.fixture
def library(tmp_path, monkeypatch):
    root = tmp_path / "library"
    monkeypatch.setenv(LIBRARY_ENV, str(root))
    return root


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_add_list_replace_and_remove(library, tmp_path):
    a = DefectMap(64, 48, [Defect(3, 4, "hot")], frames=20, camera=Camera("ACME", "A1", ""))
    b = DefectMap(64, 48, [Defect(3, 4, "hot")], frames=20, camera=Camera("ACME", "B2", "77"))
    a.save(tmp_path / "a.json")
    b.save(tmp_path / "b.json")
    res = _run("maps", "add", tmp_path / "a.json", tmp_path / "b.json")
    assert res.exit_code == 0, res.output
    assert res.output.count("added as") == 2
    listing = _run("maps", "list")
    assert "ACME A1" in listing.output and "ACME B2" in listing.output and "77" in listing.output
    again = _run("maps", "add", tmp_path / "a.json")
    assert "replaces the map added" in again.output
    assert len(MapLibrary(library).entries()) == 2  # one per camera
    entry_id = MapLibrary.id_of(b)
    res = _run("maps", "rm", entry_id[:5])
    assert res.exit_code == 0 and "removed" in res.output
    assert [e.camera for e in MapLibrary(library).entries()] == ["ACME A1"]
    missing = _run("maps", "rm", "ffffffff")
    assert missing.exit_code == 2 and "no map" in missing.output
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    res = _run("maps", "add", bad)
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1


def test_fix_without_map_uses_each_cameras_own_map(library, tmp_path):
    one = simulate(tmp_path / "one", frames=20, size="320x240", seed=1, model="ONE")
    two = simulate(tmp_path / "two", frames=20, size="320x240", seed=2, model="TWO")
    three = simulate(tmp_path / "three", frames=5, size="320x240", seed=3, model="THREE")
    for sim in (one, two):
        out = tmp_path / f"{sim.frames[0].parent.name}.json"
        res = _run("find", sim.frames[0].parent, "-o", out, "--save", "-q")
        assert res.exit_code == 0, res.output
    assert len(MapLibrary(library).entries()) == 2
    photos = tmp_path / "mixed"
    photos.mkdir()
    for sim in (one, two, three):
        for p in sim.frames[:2]:
            shutil.copy(p, photos / f"{sim.frames[0].parent.name}-{p.name}")
    res = _run("fix", photos, "--out-dir", tmp_path / "fixed")
    assert res.exit_code == 0, res.output
    assert "library map" in res.output and "2 photo(s) left alone" in res.output
    assert res.output.count("THREE") >= 2  # the unknown camera's photos are named
    maps = {name: DefectMap.load(tmp_path / f"{name}.json") for name in ("one", "two")}
    for name, dmap in maps.items():
        other = maps["two" if name == "one" else "one"]
        # A JPEG repair changes the blocks around the pixels (and, by chroma upsampling,
        # a pixel beyond): only near the map's own pixels, never at the other's
        own = np.array(dmap.repair_pixels())
        far = [p for p in other.repair_pixels() if np.abs(own - p).max(axis=1).min() > 24]
        assert far
        for p in sorted(photos.glob(f"{name}-*")):
            before = read_frame(p).data.astype(int)
            after = read_frame(tmp_path / "fixed" / p.name).data.astype(int)
            changed = np.argwhere((before != after).any(axis=2))[:, ::-1]  # (x, y)
            assert len(changed)
            assert all(np.abs(own - c).max(axis=1).min() <= 17 for c in changed)
            assert not {tuple(c) for c in changed.tolist()} & {tuple(p) for p in far}
    assert not list((tmp_path / "fixed").glob("three-*"))


def test_fix_of_a_photo_without_positions_or_library_map_says_what_to_do(library, tmp_path):
    sim = simulate(tmp_path / "s", frames=5, size="128x96", seed=4, defects=False)
    res = _run("fix", sim.frames[0])
    assert res.exit_code == 1
    assert "no map of their camera in the library" in res.output and "X,Y" in res.output
