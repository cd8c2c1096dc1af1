"""Broken and hostile inputs among good photos: each bad file is one line, named once; the
run goes on, writes the good camera's map as if the bad files were not there, exits 1,
and changes no input."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from hotpixels.cli import cli
from hotpixels.sim.camera import simulate


def _digests(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink() and p.stat().st_size < 2**30}  # fmt: skip


def test_bad_files_are_named_once_and_the_map_is_as_without_them(tmp_path, corpus):
    camera = tmp_path / "camera"
    simulate(camera, frames=12, size="320x240", seed=9)
    alone = tmp_path / "alone.json"
    assert CliRunner().invoke(cli, ["find", str(camera), "-o", str(alone), "-j", "1"]).exit_code == 0
    archive = tmp_path / "archive"
    shutil.copytree(camera, archive)
    bad = corpus.bad_files(archive, (camera / "frame_0003.jpg").read_bytes())
    os.link(archive / "frame_0000.jpg", archive / "hardlink.jpg")  # the same photo twice
    extra = {"cmyk.jpg": "CMYK", "grey16.png": "I;16", "palette.png": "P"}  # odd but good
    Image.new("CMYK", (40, 30), (0, 50, 100, 0)).save(archive / "cmyk.jpg")
    Image.fromarray(np.full((30, 40), 40000, np.uint16)).save(archive / "grey16.png")
    Image.new("P", (40, 30), 3).save(archive / "palette.png")
    if shutil.which("jpegtran"):  # an arithmetic-coded JPEG is still a photo
        subprocess.run(["jpegtran", "-arithmetic", "-outfile", str(archive / "arith.jpg"),
                        str(archive / "frame_0001.jpg")], check=True)  # fmt: skip
        extra["arith.jpg"] = "arithmetic"
    before = _digests(archive)
    out = tmp_path / "map.json"
    res = CliRunner().invoke(cli, ["find", str(archive), "-o", str(out), "-j", "2"])
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    listed = res.output.split("could not be used:")[1].splitlines()
    for name in bad:
        shown = name.replace("\n", "\\n")
        lines = [ln for ln in res.output.splitlines() if shown in ln]
        assert len(lines) == 1, (name, lines)  # named once, on one line
        assert any(shown in ln for ln in listed), name
    assert len(bad) >= 22  # and 9 more cases that are not failures: links, a pipe, odd modes
    doc, ref = json.loads(out.read_text()), json.loads(alone.read_text())
    assert doc["defects"] == ref["defects"] and doc["frames"] == ref["frames"]
    assert _digests(archive) == before  # no input touched
    fixed = CliRunner().invoke(cli, ["fix", "--map", str(out), str(archive), "--out-dir",
                                     str(tmp_path / "fixed")])  # fmt: skip
    assert fixed.exit_code == 1 and "Traceback" not in fixed.output
    assert (tmp_path / "fixed" / "frame_0005.jpg").exists()
    assert _digests(archive) == before


@pytest.mark.parametrize("doc", [
    {"format": "hotpixels-defect-map", "version": "1", "image": {"width": 4, "height": 4}},
    {"format": "hotpixels-defect-map", "version": None, "image": {"width": 4, "height": 4}},
    {"format": "hotpixels-defect-map", "version": 1, "image": {"width": 4, "height": 4},
     "defects": {"x": 1}},
    {"format": "hotpixels-defect-map", "version": 1, "image": {"width": 4, "height": 4},
     "defects": [1, 2]},
    {"format": "hotpixels-defect-map", "version": 1, "image": {"width": 4, "height": 4},
     "camera": "Nikon"},
    {"format": "hotpixels-defect-map", "version": 1, "image": {"width": -4, "height": 4}},
    [],
])  # fmt: skip
@pytest.mark.parametrize("command", ["fix", "export", "evaluate"])
def test_malformed_maps_are_one_line_errors(tmp_path, doc, command):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc))
    Image.new("RGB", (4, 4)).save(tmp_path / "x.png")
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"format": "hotpixels-truth", "defects": []}))
    args = {"fix": ["fix", "--map", str(path), str(tmp_path / "x.png")],
            "export": ["export", str(path), "-f", "csv", "-o", "-"],
            "evaluate": ["evaluate", str(path), str(truth)]}[command]  # fmt: skip
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2, res.output
    assert res.output.startswith("hotpixels: error: ") and res.output.count("\n") == 1


def test_deep_json_and_bad_truth_files_are_one_line_errors(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    res = CliRunner().invoke(cli, ["export", str(deep), "-f", "csv", "-o", "-"])
    assert res.exit_code == 2 and "nested too deeply" in res.output
    m = tmp_path / "m.json"
    m.write_text(json.dumps({"format": "hotpixels-defect-map", "version": 1,
                             "image": {"width": 4, "height": 4}}))  # fmt: skip
    for text in ("[]", '{"format": "hotpixels-truth", "defects": [3]}'):
        (tmp_path / "t.json").write_text(text)
        res = CliRunner().invoke(cli, ["evaluate", str(m), str(tmp_path / "t.json")])
        assert res.exit_code == 2 and res.output.count("\n") == 1, res.output


def test_unwritable_places_are_one_line_errors(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "x.png")
    nowhere = Path("/proc/self/hotpixels-test")  # no one may make a folder there, root included
    for args in (["simulate", str(nowhere / "sim"), "--frames", "2"],
                 ["fix", str(tmp_path / "x.png"), "1,1", "--out-dir", str(nowhere / "out")],
                 ["find", str(tmp_path), "-o", str(nowhere / "m.json")]):
        res = CliRunner().invoke(cli, args)
        assert res.exit_code in (1, 2) and "Traceback" not in res.output, res.output
        assert "cannot write there" in res.output, res.output
    res = CliRunner().invoke(cli, ["simulate", str(tmp_path / "s"), "--size", "100000x100000"])
    assert res.exit_code == 2 and "at most" in res.output
    res = CliRunner().invoke(cli, ["fix", str(tmp_path / "x.png"), "-3,4"])
    assert res.exit_code == 2 and "not a pixel position" in res.output


def test_outputs_respect_the_umask(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "x.png")
    old = os.umask(0o027)
    try:
        assert CliRunner().invoke(cli, ["fix", str(tmp_path / "x.png"), "1,1"]).exit_code == 0
    finally:
        os.umask(old)
    assert (tmp_path / "c_x.png").stat().st_mode & 0o777 == 0o640
