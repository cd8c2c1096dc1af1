"""An archive as users have them: three cameras, copies turned and resized, broken files.

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
    for p in sorted(folder.glob("*.json")):
        doc = json.loads(p.read_text())
        out[doc["camera"]["model"]] = {k: doc[k] for k in ("defects", "frames", "image", "camera")}
    return out


def _find(paths, out: Path) -> object:
    return CliRunner().invoke(cli, ["find", *map(str, paths), "-o", str(out / "map.json"), "-j", "2"])


def test_three_cameras_with_copies_and_bad_files(tmp_path, corpus):
    cams = {"portrait": simulate(tmp_path / "a", frames=14, size="320x240", seed=11, model="A"),
            "late": simulate(tmp_path / "b", frames=18, size="256x192", seed=12, model="B"),
            "resized": simulate(tmp_path / "c", frames=12, size="384x288", seed=13, model="C")}  # fmt: skip
    alone = {}
    for name, sim in cams.items():
        (tmp_path / f"alone-{name}").mkdir()
        res = _find(sim.frames, tmp_path / f"alone-{name}")
        assert res.exit_code == 0, res.output
        alone.update(_maps(tmp_path / f"alone-{name}"))
    archive = tmp_path / "archive"
    for name, sim in cams.items():
        shutil.copytree(sim.frames[0].parent, archive / name, ignore=shutil.ignore_patterns("*.json"))
    copies = []
    for i in range(5):  # photos turned a quarter by an editor (the EXIF kept), half-size exports
        src = cams["portrait"].frames[i]
        turned = archive / "portrait" / f"turned_{i}.jpg"
        with Image.open(src) as im:
            im.transpose(Image.Transpose.ROTATE_90).save(turned, exif=im.info["exif"], quality=92)
        src = cams["resized"].frames[i]
        small = archive / "resized" / f"small_{i}.jpg"
        with Image.open(src) as im:
            im.resize((192, 144)).save(small, exif=im.info["exif"], quality=92)
        copies += [turned.name, small.name]
    bad = corpus.bad_files(archive / "late", cams["late"].frames[2].read_bytes())
    before = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in archive.rglob("*")
              if p.is_file() and not p.is_symlink()}  # fmt: skip
    out = tmp_path / "maps"
    out.mkdir()
    res = _find([archive], out)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert set(alone) == {"A", "B", "C"}
    assert _maps(out) == alone
    listed = res.output.split("could not be used:")[1].splitlines()
    for name in [*bad, *copies]:
        shown = name.replace("\n", "\\n")
        assert len([ln for ln in res.output.splitlines() if shown in ln]) == 1, name
        assert any(shown in ln for ln in listed), name
    assert any("stored turned a quarter" in ln for ln in listed)
    assert any("a resized copy" in ln for ln in listed)
    # the defect that appears part-way through camera B is dated in the archive as alone
    dated = [d for d in _maps(out)["B"]["defects"] if d.get("first_seen")]
    assert len(dated) == 1 and dated == [d for d in alone["B"]["defects"] if d.get("first_seen")]
    after = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in archive.rglob("*")
             if p.is_file() and not p.is_symlink()}  # fmt: skip
    assert after == before
