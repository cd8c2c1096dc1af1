"""Which files are photos: earlier outputs of fix are left out."""

from __future__ import annotations

import os
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
    (tmp_path / "a.xmp").write_text("sidecar")
    seen = discover([tmp_path, tmp_path / "gone.jpg"])
    assert sorted(f.name for f, _, _ in seen.files) == ["DSC_1.NEF", "a.png", "c_solo.png"]
    assert [p.name for p in seen.fix_outputs] == ["c_DSC_1.tif", "c_a.png"]
    assert [p.name for p, _ in seen.failures] == ["gone.jpg"] and seen.others == 1
    assert is_fix_output(tmp_path / "c_a.png") and not is_fix_output(tmp_path / "c_solo.png")
    res = fix_files([(1, 1)], [tmp_path / "a.png", tmp_path / "c_solo.png"], out_dir=tmp_path / "out")
    assert sorted(dst.name for _, dst, _, _ in res.written) == ["a.png", "c_solo.png"]
    assert output_path(Path("x/DSC_1.NEF")) == Path("x/c_DSC_1.tif")


def test_each_physical_file_is_found_once_in_any_order(tmp_path, monkeypatch):
    folder = tmp_path / "photos"
    (folder / ".hidden").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(folder / "a.png")
    Image.new("RGB", (8, 8)).save(folder / ".hidden" / "b.png")
    os.link(folder / "a.png", folder / "hard.png")
    (folder / "soft.png").symlink_to(folder / "a.png")
    (folder / "loop").symlink_to(folder)  # a folder link: not followed
    (folder / "broken.png").symlink_to(tmp_path / "nothing.png")
    os.mkfifo(tmp_path / "pipe.jpg")
    monkeypatch.chdir(tmp_path)
    orders = ([folder, Path("photos"), folder / "soft.png"], [folder / "hard.png", Path("photos")])
    for paths in orders:
        seen = discover(paths)
        assert [f.name for f, _, _ in seen.files] == ["a.png"], paths
        assert seen.duplicates >= 1
    seen = discover([tmp_path / "pipe.jpg", folder / "broken.png"])
    assert [m.split(": ", 1)[1] for _, m in seen.failures] == [
        "not a regular file (a pipe or device?)", "a broken link"]
