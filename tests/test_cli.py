"""The command line: demo, simulate/find/evaluate round trip, module entry point."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from hotpixels.cli import cli
from hotpixels.defectmap import DefectMap


def test_python_m_hotpixels_help():
    out = subprocess.run([sys.executable, "-m", "hotpixels", "--help"], capture_output=True,
                         text=True, check=True)  # fmt: skip
    for cmd in ("find", "fix", "simulate", "evaluate", "demo"):
        assert cmd in out.stdout


def test_demo_runs_and_scores(tmp_path):
    res = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "d"), "--frames", "12"])
    assert res.exit_code == 0, res.output
    assert "F1" in res.output
    dmap = DefectMap.load(tmp_path / "d" / "defect-map.json")
    assert dmap.defects and dmap.frames == 12
    assert len(list((tmp_path / "d" / "fixed").iterdir())) == 3


def test_simulate_find_evaluate_json(tmp_path):
    r = CliRunner()
    sim = tmp_path / "sim"
    res = r.invoke(cli, ["simulate", str(sim), "--frames", "12", "--size", "320x240",
                         "--seed", "9", "-q"])  # fmt: skip
    assert res.exit_code == 0, res.output
    truth = json.loads((sim / "truth.json").read_text())
    assert truth["defects"] and {d["kind"] for d in truth["defects"]} >= {"hot", "warm"}
    res = r.invoke(cli, ["find", str(sim), "-o", str(tmp_path / "m.json"), "--top", "3",
                         "--rank", "variance"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Lowest temporal variance" in res.output
    res = r.invoke(cli, ["evaluate", str(tmp_path / "m.json"), str(sim / "truth.json"), "--json"])
    assert res.exit_code == 0, res.output
    figures = json.loads(res.output)
    assert 0.0 <= figures["f1"] <= 1.0 and figures["true_positives"] > 0
    # an existing map is not replaced without --overwrite
    res = r.invoke(cli, ["find", str(sim), "-o", str(tmp_path / "m.json")])
    assert res.exit_code == 2 and "exists" in res.output


def test_find_with_no_images(tmp_path):
    res = CliRunner().invoke(cli, ["find", str(tmp_path)])
    assert res.exit_code == 2 and "no image files" in res.output


def test_find_leaves_out_earlier_fix_outputs(small_sim, tmp_path):
    import shutil

    from hotpixels.scan import scan

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


def test_simulate_too_small_for_its_defects_is_an_error(tmp_path):
    out = tmp_path / "tiny"
    res = CliRunner().invoke(cli, ["simulate", str(out), "--size", "64x64", "--frames", "3"])
    assert res.exit_code == 2 and "no room for the simulated defects" in res.output
    assert not out.exists()  # nothing written
    res = CliRunner().invoke(cli, ["simulate", str(out), "--size", "64x64", "--frames", "3",
                                   "--no-defects", "-q"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert len(list(out.glob("frame_*.jpg"))) == 3
