"""The command line: demo, simulate/find/evaluate round trip, export/import, module entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from hotpixels.cli import cli
from hotpixels.maps.model import DefectMap
from hotpixels.sim.evaluate import evaluate


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
    assert figures == evaluate(DefectMap.load(tmp_path / "m.json"), sim / "truth.json").to_dict()
    assert figures["f1"] >= 0.9 and figures["false_negatives"] <= 1
    # an existing map is not replaced without --overwrite
    res = r.invoke(cli, ["find", str(sim), "-o", str(tmp_path / "m.json")])
    assert res.exit_code == 2 and "exists" in res.output


def test_find_with_no_images(tmp_path):
    res = CliRunner().invoke(cli, ["find", str(tmp_path)])
    assert res.exit_code == 2 and "no image files" in res.output


@pytest.mark.slow
def test_cli_export_import_and_mixed_groups(raw_sims, tmp_path):
    sim, _, _ = raw_sims(3)
    runner = CliRunner()
    base = tmp_path / "map.json"
    res = runner.invoke(cli, ["find", str(sim.frames[0].parent), "-o", str(base), "-j", "1"])
    assert res.exit_code == 0, res.output
    assert "two groups with two maps" in res.output
    # two maps: a folder named like -o, one file per camera named after it
    assert not base.exists() and len(list((tmp_path / "map").glob("*.json"))) == 2
    raw_maps = [p for p in (tmp_path / "map").glob("*.json") if "RAW" in p.name]
    assert len(raw_maps) == 1 and "HP-SIM-3" in raw_maps[0].name
    [base] = [p for p in (tmp_path / "map").glob("*.json") if p not in raw_maps]
    listing = tmp_path / "bp.txt"
    res = runner.invoke(cli, ["export", str(raw_maps[0]), "-f", "dcraw", "-o", str(listing)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["export", str(raw_maps[0]), "-f", "rawtherapee"])
    assert res.exit_code == 0 and (tmp_path / "map" / "Simulated HP-SIM 3.badpixels").exists()
    res = runner.invoke(cli, ["export", str(base), "-f", "dcraw", "-o", str(tmp_path / "x")])
    assert res.exit_code == 2 and "RAW frame" in res.output
    back = tmp_path / "back.json"
    res = runner.invoke(cli, ["import", str(listing), "--like", str(sim.raw_frames[0]), "-o",
                              str(back)])  # fmt: skip
    assert res.exit_code == 0, res.output
    original = DefectMap.load(raw_maps[0])
    imported = DefectMap.load(back)
    assert {(d.x, d.y) for d in imported.defects} == {(d.x, d.y) for d in original.defects}
    assert imported.cfa == "RGGB" and imported.camera.model == "HP-SIM 3"
    # A RAW map over a folder of both: the RAW files are developed, the PNGs skipped (said)
    out = tmp_path / "fixed"
    res = runner.invoke(cli, ["fix", "--map", str(raw_maps[0]), str(sim.frames[0].parent),
                              "--out-dir", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert f"skipped {len(sim.frames)} developed photos" in res.output
    assert sorted(p.name for p in out.glob("*.tif")) == sorted(
        p.stem + ".tif" for p in sim.raw_frames)
    res = runner.invoke(cli, ["export", str(base), "-f", "json"])
    assert res.exit_code == 2 and "the map itself" in res.output
