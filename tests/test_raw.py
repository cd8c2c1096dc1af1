"""RAW files: mosaic statistics, detection in the RAW frame, repair, exports and imports.

Every RAW file here is a DNG written by ``simulate(raw=True)`` (or from its mosaics by
``write_dng``), so the true defects are known photosite by photosite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from hotpixels.cli import cli
from hotpixels.correct import repair_mosaic, repair_raw
from hotpixels.defectmap import Defect, DefectMap
from hotpixels.errors import ImageReadError, MissingDependencyError
from hotpixels.formats import export_text, import_text, rawtherapee_name
from hotpixels.io.decode import probe
from hotpixels.io.raw import read_mosaic, write_dng
from hotpixels.mosaic import to_planes
from hotpixels.scan import find
from hotpixels.simulate import RAW_BLACK, simulate

rawpy = pytest.importorskip("rawpy")
tifffile = pytest.importorskip("tifffile")

SIZE = "480x360"


@pytest.fixture(scope="session")
def raw_sims(tmp_path_factory):
    """Simulated cameras with DNG frames (once per seed), and their RAW maps."""
    cache: dict = {}

    def make(seed: int, **kwargs):
        key = (seed, tuple(sorted(kwargs.items())))
        if key not in cache:
            out = tmp_path_factory.mktemp(f"raw{seed}")
            sim = simulate(out, frames=kwargs.pop("frames", 20), size=SIZE, seed=seed, raw=True,
                           fmt="png", **kwargs)  # fmt: skip
            result, maps = find(sim.raw_frames)
            cache[key] = (sim, result, maps)
        return cache[key]

    return make


def _truth(sim) -> dict[tuple[int, int], dict]:
    doc = json.loads(sim.truth_path.read_text())
    return {(d["x"], d["y"]): d for d in doc["defects"]}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_raw_detection_is_exact_per_photosite(raw_sims, seed):
    sim, result, maps = raw_sims(seed)
    assert result.failures == []
    [(_, dmap, reason)] = maps
    assert reason is None and dmap.frame == "raw" and dmap.cfa == "RGGB"
    assert (dmap.width, dmap.height) == (480, 360)
    truth = _truth(sim)
    found = {(d.x, d.y): d for d in dmap.defects}
    hits = set(found) & set(truth)
    recall, precision = len(hits) / len(truth), len(hits) / max(len(found), 1)
    assert recall == 1.0, sorted(set(truth) - set(found))
    assert precision >= 0.98, sorted(set(found) - set(truth))
    kinds_right = sum(found[p].kind == truth[p]["kind"] for p in hits)
    assert kinds_right >= len(hits) - 1
    for p in hits:  # the colour of each photosite comes from the CFA pattern
        assert found[p].channel == truth[p]["channel"]
        assert found[p].members == []
    # only the defect that appears a third of the way in has a first date: that photo's
    [late] = [p for p, d in truth.items() if d["note"] == "appears later"]
    assert [p for p, d in found.items() if d.first_seen] == [late]
    first = probe(sim.raw_frames[truth[late]["first_frame"]]).taken
    assert found[late].first_seen == first
    stamp = int((first - dt.datetime(1970, 1, 1)).total_seconds())
    assert f"{late[0]} {late[1]} {stamp}" in export_text(dmap, "dcraw").splitlines()


def test_a_date_that_earlier_photos_contradict_is_dropped(raw_sims):
    from hotpixels.scan import confirm_first_seen

    sim, _, [(group, dmap, _)] = raw_sims(1)
    truth = _truth(sim)
    late = next(d for d in dmap.defects if truth[(d.x, d.y)]["note"] == "appears later")
    always = next(d for d in dmap.defects if truth[(d.x, d.y)]["note"] == "below full scale")
    kept = late.first_seen
    always.first_seen = group.dates[10]  # a wrong date: it showed in frames 0-9 too
    confirm_first_seen(group, dmap)
    assert always.first_seen is None and late.first_seen == kept is not None


def test_confirming_a_date_decodes_a_bounded_sample(raw_sims, monkeypatch):
    scan = importlib.import_module("hotpixels.scan")  # the package's `scan` is the function

    sim, _, [(group, dmap, _)] = raw_sims(1)
    truth = _truth(sim)
    late = next(d for d in dmap.defects if truth[(d.x, d.y)]["note"] == "appears later")
    always = next(d for d in dmap.defects if truth[(d.x, d.y)]["note"] == "below full scale")
    kept, always.first_seen = late.first_seen, group.dates[10]
    decoded = []
    real = scan.decode
    monkeypatch.setattr(scan, "decode", lambda info, **kw: decoded.append(info) or real(info, **kw))
    monkeypatch.setattr(scan, "CONFIRM_FRAMES", 3)
    scan.confirm_first_seen(group, dmap)
    # frames 0, 5, 9 for the wrong date; 0, mid, last before the late one: 0 is shared
    assert len(decoded) == 5 and group.ranked[0] in decoded
    assert always.first_seen is None and late.first_seen == kept is not None


@pytest.mark.slow
def test_raw_defect_free_camera_gives_an_empty_map(raw_sims):
    _, _, [(_, dmap, _)] = raw_sims(4, defects=False)
    assert dmap.defects == []


@pytest.mark.slow
def test_raw_map_does_not_depend_on_workers(raw_sims, monkeypatch):
    from hotpixels import parallel

    monkeypatch.setattr(parallel, "SPAWN_FILES_PER_WORKER", 1)  # really start 2 workers
    sim, _, [(_, serial, _)] = raw_sims(1)
    _, [(_, pooled, _)] = find(sim.raw_frames, workers=2)
    assert pooled.to_dict()["defects"] == serial.to_dict()["defects"]


@pytest.mark.slow
@pytest.mark.parametrize(("dy", "dx", "cfa"), [(0, 1, "GRBG"), (1, 0, "GBRG"), (1, 1, "BGGR")])
def test_every_bayer_pattern(raw_sims, tmp_path, dy, dx, cfa):
    """Cropping an RGGB mosaic by a row and/or column gives the other three patterns."""
    sim, _, _ = raw_sims(2)
    for src in sim.raw_frames:
        mosaic, _ = read_mosaic(src)
        write_dng(tmp_path / src.name, mosaic[dy:, dx:], cfa=cfa, black=RAW_BLACK, white=4095,
                  make="Simulated", model="crop")  # fmt: skip
    _, [(group, dmap, _)] = find([tmp_path])
    assert group.key.cfa == cfa and dmap.cfa == cfa
    truth = {(x - dx, y - dy): d for (x, y), d in _truth(sim).items() if x >= dx and y >= dy}
    found = {(d.x, d.y): d for d in dmap.defects}
    assert set(found) == set(truth)
    assert all(found[p].channel == truth[p]["channel"] for p in found)


def test_planes_put_same_colour_neighbours_next_to_each_other():
    mosaic = np.arange(8 * 10, dtype=np.uint16).reshape(8, 10)
    planes = to_planes(mosaic)
    assert planes.shape == (4, 5, 4)
    for k, (dy, dx) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        assert np.array_equal(planes[..., k], mosaic[dy::2, dx::2])


def test_x_trans_is_refused_with_a_message(tmp_path):
    path = tmp_path / "xtrans.dng"
    pattern = bytes([1, 1, 0, 1, 1, 2, 1, 1, 2, 1, 1, 0, 2, 0, 1, 0, 2, 1,
                     1, 1, 2, 1, 1, 0, 1, 1, 0, 1, 1, 2, 0, 2, 1, 2, 0, 1])  # fmt: skip
    tags = [(33421, "H", 2, (6, 6), True), (33422, "B", 36, pattern, True),
            (50706, "B", 4, (1, 4, 0, 0), True), (50717, "H", 1, 4095, True),
            (271, "s", 0, "FUJIFILM", True), (272, "s", 0, "X-T2", True)]  # fmt: skip
    data = np.full((96, 96), 1000, np.uint16)
    tifffile.imwrite(path, data, photometric=32803, extratags=tags, metadata=None, subfiletype=0)
    with pytest.raises(ImageReadError, match=r"xtrans.dng: X-Trans \(6x6\) colour filter"):
        probe(path)


def test_bad_raw_files_are_reported_and_skipped(raw_sims, tmp_path):
    sim, _, _ = raw_sims(1)
    for src in sim.raw_frames[:6]:
        (tmp_path / src.name).write_bytes(src.read_bytes())
    data = sim.raw_frames[6].read_bytes()
    (tmp_path / "truncated.dng").write_bytes(data[: len(data) // 3])
    (tmp_path / "garbage.nef").write_bytes(b"not a raw file at all" * 50)
    result, maps = find([tmp_path])
    failed = {p.name: msg for p, msg in result.failures}
    assert set(failed) == {"truncated.dng", "garbage.nef"}
    assert all(name in msg and "\n" not in msg for name, msg in failed.items())
    assert maps[0][0].acc.n == 6 and maps[0][1] is not None


def test_missing_rawpy_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rawpy", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "hotpixels\[raw\]"'):
        probe(tmp_path / "photo.dng")


def test_repair_mosaic_uses_same_colour_photosites_and_skips_defects():
    rng = np.random.default_rng(0)
    mosaic = rng.integers(900, 1100, (10, 12)).astype(np.uint16)
    mosaic[1::2, 0::2] += 2000  # one colour much brighter: mixing colours would show
    bad = [(4, 4), (6, 4), (5, 5), (0, 0)]  # (6, 4) is (4, 4)'s same-colour neighbour
    for x, y in bad:
        mosaic[y, x] = 4095
    out = repair_mosaic(mosaic, bad)
    changed = np.argwhere(out != mosaic)
    assert sorted((int(x), int(y)) for y, x in changed) == sorted(bad)
    w = 1 / np.sqrt(2)
    ring = [(0, -2, 1), (2, 0, 1), (-2, 0, 1), (2, 2, w), (-2, 2, w), (2, -2, w), (-2, -2, w)]
    num = sum(wt * float(mosaic[4 + dy, 4 + dx]) for dy, dx, wt in ring)
    assert out[4, 4] == round(num / sum(wt for *_, wt in ring))  # row 4, column 6 skipped
    assert 900 <= out[5, 5] <= 1100  # from its own colour, not the bright one beside it
    assert out[0, 0] < 1200


def test_fix_writes_a_developed_tiff_and_leaves_the_raw_alone(raw_sims, tmp_path):
    sim, _, [(_, dmap, _)] = raw_sims(1)
    map_path = tmp_path / "raw.json"
    dmap.save(map_path)
    src = sim.raw_frames[0]
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    res = CliRunner().invoke(cli, ["fix", "--map", str(map_path), str(src),
                                   "--out-dir", str(tmp_path / "out")])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = tmp_path / "out" / (src.stem + ".tif")
    rgb = tifffile.imread(out)
    assert rgb.dtype == np.uint16 and rgb.shape == (360, 480, 3)
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
    # The RAW itself is never an output, even with overwrite.
    from hotpixels.errors import ImageWriteError
    from hotpixels.fix import fix_raw_file

    with pytest.raises(ImageWriteError, match="overwrite the input"):
        fix_raw_file(src, src, [(10, 10)], overwrite=True)
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
    # A JPEG with a RAW map is refused, with the reason.
    res = CliRunner().invoke(cli, ["fix", "--map", str(map_path), str(sim.frames[0]),
                                   "--out-dir", str(tmp_path / "out")])  # fmt: skip
    assert res.exit_code == 1 and "RAW frame" in res.output


def _develop(path, bad_pixels=None):
    params = rawpy.Params(no_auto_bright=True, use_camera_wb=True, output_bps=16, gamma=(1, 1))
    if bad_pixels is not None:
        # rawpy 0.28 stores Params(bad_pixels_path=str) as str but LibRaw's call needs
        # bytes ("TypeError: expected bytes, str found"): set the attribute directly.
        params.bad_pixels = str(bad_pixels).encode()
    with rawpy.imread(str(path)) as raw:
        return raw.postprocess(params).astype(np.float64)


@pytest.mark.slow
def test_dcraw_list_removes_the_defects_in_rawpy(tmp_path):
    sim = simulate(tmp_path / "sim", frames=20, size=SIZE, seed=7, raw=True, fmt="png", clean=True)
    _, [(_, dmap, _)] = find(sim.raw_frames)
    listing = tmp_path / "badpixels.txt"
    listing.write_text(export_text(dmap, "dcraw"))
    truth = _truth(sim)
    assert {(d.x, d.y) for d in dmap.defects} == set(truth)
    worse, better = [], []
    for src, clean in zip(sim.raw_frames[:3], sim.clean_raw_frames[:3], strict=True):
        ref, plain = _develop(clean), _develop(src)
        fixed = _develop(src, bad_pixels=listing)
        for x, y in truth:
            worse.append(np.abs(plain[y, x] - ref[y, x]).max())
            better.append(np.abs(fixed[y, x] - ref[y, x]).max())
        # rawpy with our repaired mosaic does as well
        with rawpy.imread(str(src)) as raw:
            assert repair_raw(raw, dmap) == len(truth)
            ours = raw.postprocess(no_auto_bright=True, use_camera_wb=True, output_bps=16,
                                   gamma=(1, 1)).astype(np.float64)  # fmt: skip
        for x, y in truth:
            better.append(np.abs(ours[y, x] - ref[y, x]).max())
    assert np.median(worse) > 5 * np.median(better)
    assert max(better) < 0.5 * max(worse)


def test_dcraw_round_trip_keeps_positions_and_first_dates():
    seen = dt.datetime(2024, 5, 3, 10, 0, 0)
    dmap = DefectMap(width=40, height=30, frame="raw", cfa="RGGB", defects=[
        Defect(3, 4, "hot", channel="G"), Defect(10, 20, "dead", channel="R", first_seen=seen)])
    text = export_text(dmap, "dcraw")
    stamp = int((seen - dt.datetime(1970, 1, 1)).total_seconds())
    assert text.splitlines() == ["3 4 0", f"10 20 {stamp}"]
    back = import_text(text, "dcraw", width=40, height=30, cfa="RGGB")
    assert [(d.x, d.y, d.first_seen) for d in back.defects] == [(3, 4, None), (10, 20, seen)]
    assert [d.channel for d in back.defects] == ["G", "R"]
    assert back.frame == "raw" and all(d.kind == "unknown" for d in back.defects)
    assert DefectMap.from_json(back.to_json()).defects[1].first_seen == seen


def test_rawtherapee_round_trip_name_and_offset_line():
    dmap = DefectMap(width=40, height=30, frame="raw", camera=None,
                     defects=[Defect(3, 4), Defect(7, 1)])  # fmt: skip
    text = export_text(dmap, "rawtherapee")
    assert text == "7 1\n3 4\n"
    back = import_text(text, "rawtherapee", width=40, height=30)
    assert sorted((d.x, d.y) for d in back.defects) == [(3, 4), (7, 1)]
    shifted = import_text("2\n5 2\n", "rawtherapee", width=40, height=30)
    assert [(d.x, d.y) for d in shifted.defects] == [(7, 4)]
    named = DefectMap.from_dict({**dmap.to_dict(), "camera": {"make": "NIKON", "model": "D750",
                                                              "serial": ""}})  # fmt: skip
    assert rawtherapee_name(named) == "NIKON D750.badpixels"


def test_csv_round_trip_keeps_every_column():
    dmap = DefectMap(width=50, height=40, defects=[
        Defect(5, 6, "warm", 1.5, "G", ["G"], 12, [(4, 6), (5, 7)]), Defect(9, 9, "stuck", 3.0, "B")])
    back = import_text(dmap.to_csv(), "csv", width=50, height=40, frame="image")
    assert back.frame == "image"
    assert [(d.x, d.y, d.kind, d.score, d.channel, d.frames, d.members) for d in back.defects] == [
        (d.x, d.y, d.kind, d.score, d.channel, d.frames, d.members) for d in dmap.defects]


def test_exports_refuse_an_image_map_and_imports_check_the_frame():
    image_map = DefectMap(width=10, height=10, defects=[Defect(1, 1)])
    with pytest.raises(ValueError, match="RAW frame"):
        export_text(image_map, "dcraw")
    with pytest.raises(ValueError, match=r"line 2: expected 'col row time'"):
        import_text("1 1 0\n1 2\n", "dcraw", width=10, height=10)
    with pytest.raises(ValueError, match="outside the 10x10 frame"):
        import_text("12 1 0\n", "dcraw", width=10, height=10)


@pytest.mark.slow
def test_cli_export_import_and_mixed_groups(raw_sims, tmp_path):
    sim, _, _ = raw_sims(3)
    runner = CliRunner()
    base = tmp_path / "map.json"
    res = runner.invoke(cli, ["find", str(sim.frames[0].parent), "-o", str(base), "-j", "1"])
    assert res.exit_code == 0, res.output
    assert "two groups with two maps" in res.output
    raw_maps = [p for p in tmp_path.glob("map*.json") if "RAW" in p.name]
    assert len(raw_maps) == 1 and len(list(tmp_path.glob("map*.json"))) == 2
    listing = tmp_path / "bp.txt"
    res = runner.invoke(cli, ["export", str(raw_maps[0]), "-f", "dcraw", "-o", str(listing)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["export", str(raw_maps[0]), "-f", "rawtherapee"])
    assert res.exit_code == 0 and (tmp_path / "Simulated HP-SIM 3.badpixels").exists()
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
