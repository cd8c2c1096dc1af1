"""An archive as users have them: three cameras, portraits stored turned, resized copies,
broken files.

Result: one map per camera, each equal to the map of that camera's photos alone; the
copies and every bad file named once; exit 1; no input changed."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from hotpixels.cli import cli
from hotpixels.sim.camera import simulate


def _maps(folder: Path) -> dict[str, dict]:
    out = {}
    for p in sorted(folder.rglob("*.json")):
        doc = json.loads(p.read_text())
        out[doc["camera"]["model"]] = {k: doc[k] for k in ("defects", "frames", "image", "camera")}
    return out


def _find(paths, out: Path) -> object:
    return CliRunner().invoke(cli, ["find", *map(str, paths), "-o", str(out / "map.json"), "-j", "2"])


def test_three_cameras_with_copies_and_bad_files(tmp_path, corpus):
    cams = {"portrait": simulate(tmp_path / "a", frames=19, size="320x240", seed=11, model="A",
                                 fmt="png"),
            "late": simulate(tmp_path / "b", frames=18, size="256x192", seed=12, model="B"),
            "resized": simulate(tmp_path / "c", frames=12, size="384x288", seed=13, model="C")}  # fmt: skip
    (tmp_path / "upright").mkdir()  # camera A's photos as the camera stored them
    assert _find(cams["portrait"].frames, tmp_path / "upright").exit_code == 0
    archive = tmp_path / "archive"
    for name, sim in cams.items():
        shutil.copytree(sim.frames[0].parent, archive / name, ignore=shutil.ignore_patterns("*.json"))
    for i in range(14, 19):  # portraits turned by an editor, either way (the EXIF kept)
        src = archive / "portrait" / cams["portrait"].frames[i].name
        way = Image.Transpose.ROTATE_90 if i % 2 else Image.Transpose.ROTATE_270
        with Image.open(src) as im:
            im.load()
        im.transpose(way).save(src, exif=im.getexif())
    alone = {}
    for name in cams:
        (tmp_path / f"alone-{name}").mkdir()
        res = _find([archive / name], tmp_path / f"alone-{name}")
        assert res.exit_code == 0, res.output
        alone.update(_maps(tmp_path / f"alone-{name}"))
    # the turned portraits are brought back to the sensor's frame: A's map is the map of
    # its photos as stored by the camera, exactly (PNG: turning them lost nothing)
    assert alone["A"] == _maps(tmp_path / "upright")["A"]
    copies = []
    for i in range(5):  # half-size exports
        src = cams["resized"].frames[i]
        small = archive / "resized" / f"small_{i}.jpg"
        with Image.open(src) as im:
            im.resize((192, 144)).save(small, exif=im.info["exif"], quality=92)
        copies.append(small.name)
    bad = corpus.bad_files(archive / "late", cams["late"].frames[2].read_bytes())
    before = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in archive.rglob("*")
              if p.is_file() and not p.is_symlink()}  # fmt: skip
    out = tmp_path / "maps"
    out.mkdir()
    res = _find([archive], out)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert set(alone) == {"A", "B", "C"}
    assert _maps(out) == alone
    # several cameras: a folder named like -o, each map named after its camera
    assert not (out / "map.json").exists()
    assert sorted(p.name.split("-")[1] for p in (out / "map").glob("*.json")) == ["A", "B", "C"]
    listed = res.output.split("could not be used:")[1].splitlines()
    for name in [*bad, *copies]:
        shown = name.replace("\n", "\\n")
        assert len([ln for ln in res.output.splitlines() if shown in ln]) == 1, name
        assert any(shown in ln for ln in listed), name
    assert not any("turned" in ln for ln in listed)
    assert any("a resized copy" in ln for ln in listed)
    # the defect that appears part-way through camera B is dated in the archive as alone
    dated = [d for d in _maps(out)["B"]["defects"] if d.get("first_seen")]
    assert len(dated) == 1 and dated == [d for d in alone["B"]["defects"] if d.get("first_seen")]
    after = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in archive.rglob("*")
             if p.is_file() and not p.is_symlink()}  # fmt: skip
    assert after == before
    # the groups from headers alone: the turned portraits counted with their camera
    res = CliRunner().invoke(cli, ["cameras", str(archive)])
    assert res.exit_code == 1 and "Traceback" not in res.output
    rows = {ln.split()[-2 if "turned" not in ln else -5]: ln for ln in res.output.splitlines()
            if ln.strip().startswith(tuple("0123456789")) and "Simulated" in ln}  # fmt: skip
    assert rows["A"].split()[0] == "19" and "(5 stored turned)" in rows["A"]
    # B's count also holds the broken copies of its photos whose headers read well
    assert int(rows["B"].split()[0]) >= 18 and rows["C"].split()[0] == "12"
