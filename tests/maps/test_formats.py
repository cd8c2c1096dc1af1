"""Map formats: every one round-trips; exports and imports check the frame."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from PIL import Image

from hotpixels.cli import cli
from hotpixels.maps.formats import export_text, import_text, rawtherapee_name, save_map
from hotpixels.maps.model import Defect, DefectMap
from hotpixels.pipeline import find


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
    back = import_text(export_text(dmap, "csv"), "csv", width=50, height=40, frame="image")
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


def test_siril_round_trip_counts_rows_from_the_bottom():
    dmap = DefectMap(width=40, height=30, frame="raw", cfa="RGGB", defects=[
        Defect(3, 4, "hot", channel="G", members=[(4, 4)]), Defect(10, 29, "dead", channel="G")])
    text = export_text(dmap, "siril")
    assert text.splitlines() == ["P 3 25 H", "P 4 25 H", "P 10 0 C"]  # row 4 of 30 is 25 from the bottom
    back = import_text(text, "siril", width=40, height=30, cfa="RGGB")
    found = [(d.x, d.y, d.kind, d.channel) for d in back.defects]
    assert found == [(3, 4, "unknown", "G"), (4, 4, "unknown", "R"), (10, 29, "dead", "G")]
    assert back.frame == "raw"
    image = import_text("# Siril\nP 5 0\n", "siril", width=40, height=30, frame="image")
    assert image.frame == "image" and [(d.x, d.y) for d in image.defects] == [(5, 29)]
    with pytest.raises(ValueError, match="line 1: whole columns and lines"):
        import_text("C 5 0 H\n", "siril", width=40, height=30)
    with pytest.raises(ValueError, match="outside the 40x30 frame"):
        import_text("P 5 30\n", "siril", width=40, height=30)


def test_jpegpixi_round_trip_and_blocks():
    dmap = DefectMap(width=50, height=40, defects=[Defect(5, 6, "warm", members=[(6, 6)]), Defect(9, 1)])
    text = export_text(dmap, "jpegpixi")
    assert text.splitlines() == ["9,1", "5,6", "6,6"]
    back = import_text(text, "jpegpixi", width=50, height=40, frame="raw")  # always the photo's frame
    assert back.frame == "image"
    assert sorted(p for d in back.defects for p in d.pixels()) == sorted(dmap.repair_pixels())
    block = import_text("10,10,2\n20, 5, 3, 1  # a row of three\n", "jpegpixi", width=50, height=40)
    assert [d.pixels() for d in block.defects] == [[(10, 10), (11, 10), (10, 11), (11, 11)],
                                                    [(20, 5), (21, 5), (22, 5)]]
    with pytest.raises(ValueError, match="RAW frame"):
        export_text(DefectMap(10, 10, [Defect(1, 1)], frame="raw"), "jpegpixi")
    with pytest.raises(ValueError, match="line 1: expected 'x,y"):
        import_text("1,2,0\n", "jpegpixi", width=10, height=10)


def test_map_round_trip_json_and_csv(small_sim, tmp_path):
    _, maps = find(small_sim.frames)
    _, dmap, _ = maps[0]
    p = tmp_path / "m.json"
    dmap.save(p)
    again = DefectMap.load(p)
    assert again.to_dict() == dmap.to_dict()
    save_map(dmap, tmp_path / "m.csv")
    rows = (tmp_path / "m.csv").read_text().splitlines()
    assert rows[0].startswith("x,y,kind") and len(rows) == len(dmap.defects) + 1


def test_bad_map_file_is_one_line_error(tmp_path):
    p = tmp_path / "m.json"
    p.write_text("{}")
    img = tmp_path / "x.png"
    Image.new("RGB", (8, 8)).save(img)
    res = CliRunner().invoke(cli, ["fix", "--map", str(p), str(img)])
    assert res.exit_code == 2 and "not a hotpixels defect map" in res.output
