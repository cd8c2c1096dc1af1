"""The simulated camera."""

from __future__ import annotations

from click.testing import CliRunner

from hotpixels.cli import cli


def test_simulate_too_small_for_its_defects_is_an_error(tmp_path):
    out = tmp_path / "tiny"
    res = CliRunner().invoke(cli, ["simulate", str(out), "--size", "64x64", "--frames", "3"])
    assert res.exit_code == 2 and "no room for the simulated defects" in res.output
    assert not out.exists()  # nothing written
    res = CliRunner().invoke(cli, ["simulate", str(out), "--size", "64x64", "--frames", "3",
                                   "--no-defects", "-q"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert len(list(out.glob("frame_*.jpg"))) == 3
