"""Which files are photos: earlier outputs of fix are left out."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from hotpixels.cli import cli
from hotpixels.io.discover import discover, fix_output_name, is_fix_output
from hotpixels.pipeline import scan
from hotpixels.repair.files import fix_files, output_path


def test_find_leaves_out_earlier_fix_outputs(small_sim, tmp_path):
    for f in small_sim.frames:
        shutil.copy(f, tmp_path / f.name)
    before = scan([tmp_path])
    res = CliRunner().invoke(cli, ["fix", str(tmp_path / small_sim.frames[0].name), "10,10"])
    assert res.exit_code == 0, res.output
    (tmp_path / "c_unrelated.png").write_bytes((tmp_path / small_sim.frames[1].name).read_bytes())
    after = scan([tmp_path])
    assert [p.name for p in after.skipped] == ["c_" + small_sim.frames[0].name]

    def names(result):
        return {p.name for g in result.groups for p in g.files + g.repeats}

    # c_unrelated.png has no NAME beside it: it is a photo like any other
    assert names(after) == names(before) | {"c_unrelated.png"}
    res = CliRunner().invoke(cli, ["find", str(tmp_path), "-o", str(tmp_path / "m.json")])
    assert res.exit_code == 0 and "skipped 1 earlier output(s) of hotpixels fix" in res.output


def test_find_and_fix_share_one_rule_for_earlier_outputs(tmp_path):
    for name in ("a.png", "c_solo.png"):
        Image.new("RGB", (8, 8), (9, 9, 9)).save(tmp_path / name)
    shutil.copy(tmp_path / "a.png", tmp_path / fix_output_name(tmp_path / "a.png"))
    (tmp_path / "DSC_1.NEF").write_bytes(b"raw")
    (tmp_path / "c_DSC_1.tif").write_bytes(b"developed")
    found, missing, skipped = discover([tmp_path, tmp_path / "gone.jpg"])
    assert sorted(f.name for f, _, _ in found) == ["DSC_1.NEF", "a.png", "c_solo.png"]
    assert [p.name for p in skipped] == ["c_DSC_1.tif", "c_a.png"]
    assert [p.name for p, _ in missing] == ["gone.jpg"]
    assert is_fix_output(tmp_path / "c_a.png") and not is_fix_output(tmp_path / "c_solo.png")
    res = fix_files([(1, 1)], [tmp_path / "a.png", tmp_path / "c_solo.png"], out_dir=tmp_path / "out")
    assert sorted(dst.name for _, dst, _, _ in res.written) == ["a.png", "c_solo.png"]
    assert output_path(Path("x/DSC_1.NEF")) == Path("x/c_DSC_1.tif")


def test_each_file_is_found_once(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    found, _, _ = discover([tmp_path, tmp_path / "a.png", tmp_path])
    assert [f.name for f, _, _ in found] == ["a.png"]
