"""Which files are photos: earlier outputs of fix are left out."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from hotpixels.cli import cli
from hotpixels.pipeline import scan


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
