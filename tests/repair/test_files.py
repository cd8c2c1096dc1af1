"""Repairing files: outputs, metadata, twins, RAW developed to TIFF, and the CLI around it."""

from __future__ import annotations

import hashlib
import io
import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageCms

from hotpixels.cli import cli
from hotpixels.errors import ImageWriteError
from hotpixels.io.images import read_frame
from hotpixels.maps.formats import export_text
from hotpixels.maps.model import DefectMap
from hotpixels.pipeline import find
from hotpixels.repair.files import fix_raw_file
from hotpixels.repair.pixels import repair_raw
from hotpixels.sim.camera import simulate


def _srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def test_fix_single_pixel_cli_writes_prefixed_output(tmp_path):
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 200, (40, 50, 3), dtype=np.uint8)
    arr[12, 15] = 255
    sub = tmp_path / "photos"
    sub.mkdir()
    src = sub / "a.png"
    exif = Image.Exif()
    exif[0x010F] = "Maker"
    Image.fromarray(arr).save(src, exif=exif.tobytes(), icc_profile=_srgb_icc())
    before = src.read_bytes()
    res = CliRunner().invoke(cli, ["fix", str(src), "15,12"])
    assert res.exit_code == 0, res.output
    out = sub / "c_a.png"  # prefix on the file name, not on the folder
    assert out.exists() and src.read_bytes() == before
    fixed = Image.open(out)
    assert fixed.info.get("icc_profile") == Image.open(src).info["icc_profile"]
    assert fixed.getexif()[0x010F] == "Maker"
    a, b = np.asarray(Image.open(src)), np.asarray(fixed)
    diff = np.argwhere((a != b).any(axis=2))
    assert diff.tolist() == [[12, 15]]
    # an existing output is kept without --overwrite (a rerun finishes a stopped job)
    out.write_bytes(b"kept")
    res2 = CliRunner().invoke(cli, ["fix", str(src), "15,12"])
    assert res2.exit_code == 0 and "kept 1 output(s) that were already there" in res2.output
    assert out.read_bytes() == b"kept"
    res3 = CliRunner().invoke(cli, ["fix", str(src), "15,12", "--overwrite"])
    assert res3.exit_code == 0 and out.read_bytes() != b"kept"


def test_fix_bad_coordinates(tmp_path):
    src = tmp_path / "a.png"
    Image.new("RGB", (10, 10)).save(src)
    res = CliRunner().invoke(cli, ["fix", str(src), "10,3"])
    assert res.exit_code == 1 and "outside the image" in res.output
    res = CliRunner().invoke(cli, ["fix", str(src), "abc"])
    assert res.exit_code == 2 and "X,Y" in res.output


def test_map_repair_against_clean_twins_png(small_sim, tmp_path):
    _, maps = find(small_sim.frames)
    _, dmap, _ = maps[0]
    assert dmap.defects
    map_path = tmp_path / "m.json"
    dmap.save(map_path)
    out = tmp_path / "fixed"
    res = CliRunner().invoke(cli, ["fix", "--map", str(map_path), *map(str, small_sim.frames[:3]),
                                   "--out-dir", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    pixels = dmap.repair_pixels()
    xs, ys = np.array([p[0] for p in pixels]), np.array([p[1] for p in pixels])
    cx, cy = np.array([d.x for d in dmap.defects]), np.array([d.y for d in dmap.defects])
    before, after, centre_before, centre_after = [], [], [], []
    for src, clean in zip(small_sim.frames[:3], small_sim.clean_frames[:3], strict=True):
        a = read_frame(src).data.astype(int)
        b = read_frame(out / src.name).data.astype(int)
        c = read_frame(clean).data.astype(int)
        changed = np.argwhere((a != b).any(axis=2))
        assert {(int(x), int(y)) for y, x in changed} <= set(pixels)  # nothing else changed
        before.append(np.abs(a[ys, xs] - c[ys, xs]).mean())
        after.append(np.abs(b[ys, xs] - c[ys, xs]).mean())
        centre_before.append(np.abs(a[cy, cx] - c[cy, cx]).mean())
        centre_after.append(np.abs(b[cy, cx] - c[cy, cx]).mean())
    assert np.mean(after) < np.mean(before)
    assert np.mean(centre_after) <= 8.0 < np.mean(centre_before)


def test_jpeg_reencode_keeps_quality_subsampling_exif(sim_factory, tmp_path):
    sim, _, maps = sim_factory(frames=40, size=(1600, 1200), seed=1)
    _, dmap, _ = maps[0]
    src = sim.frames[1]
    map_path = tmp_path / "m.json"
    dmap.save(map_path)
    res = CliRunner().invoke(cli, ["fix", "--map", str(map_path), str(src), "--out-dir",
                                   str(tmp_path)])  # fmt: skip
    assert res.exit_code == 0, res.output
    a, b = Image.open(src), Image.open(tmp_path / src.name)
    assert a.quantization == b.quantization
    assert b.getexif()[0x0110] == a.getexif()[0x0110]
    assert b.size == a.size
    assert abs(len((tmp_path / src.name).read_bytes()) / len(src.read_bytes()) - 1) < 0.05


def test_map_of_other_size_is_refused_per_file(tmp_path):
    dmap = DefectMap(width=20, height=10, defects=[])
    dmap.defects.append(__import__("hotpixels").Defect(3, 3))
    p = tmp_path / "m.json"
    dmap.save(p)
    img = tmp_path / "x.png"
    Image.new("RGB", (30, 10)).save(img)
    res = CliRunner().invoke(cli, ["fix", "--map", str(p), str(img)])
    assert res.exit_code == 1 and "30x10" in res.output


def test_bad_inputs_are_reported_and_skipped(small_sim, tmp_path):
    folder = tmp_path / "mixed"
    shutil.copytree(small_sim.frames[0].parent, folder, ignore=shutil.ignore_patterns("clean"))
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "text.jpg").write_text("not an image")
    good = Image.open(small_sim.frames[0])
    buf = io.BytesIO()
    good.save(buf, "JPEG", quality=90)
    (folder / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    Image.new("RGB", (64, 48)).save(folder / "other_size.png")
    snapshot = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    res = CliRunner().invoke(cli, ["find", str(folder), "-o", str(tmp_path / "m.json")])
    assert res.exit_code == 1, res.output
    for name in ("empty.jpg", "text.jpg", "truncated.jpg"):
        lines = [ln for ln in res.output.splitlines() if name in ln]
        assert lines, name
    assert "64x48" in res.output  # the other size is its own group, said so
    assert json.loads((tmp_path / "m.json").read_text())["image"]["width"] == 256
    assert snapshot == {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_fix_writes_a_developed_tiff_and_leaves_the_raw_alone(raw_sims, tmp_path, tifffile):
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

    with pytest.raises(ImageWriteError, match="overwrite the input"):
        fix_raw_file(src, src, [(10, 10)], overwrite=True)
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
    # A JPEG with a RAW map is refused, with the reason.
    res = CliRunner().invoke(cli, ["fix", "--map", str(map_path), str(sim.frames[0]),
                                   "--out-dir", str(tmp_path / "out")])  # fmt: skip
    assert res.exit_code == 1 and "RAW frame" in res.output


def _develop(rawpy, path, bad_pixels=None):
    params = rawpy.Params(no_auto_bright=True, use_camera_wb=True, output_bps=16, gamma=(1, 1))
    if bad_pixels is not None:
        # rawpy 0.28 stores Params(bad_pixels_path=str) as str but LibRaw's call needs
        # bytes ("TypeError: expected bytes, str found"): set the attribute directly.
        params.bad_pixels = str(bad_pixels).encode()
    with rawpy.imread(str(path)) as raw:
        return raw.postprocess(params).astype(np.float64)


@pytest.mark.slow
def test_dcraw_list_removes_the_defects_in_rawpy(tmp_path, truth, rawpy):
    sim = simulate(tmp_path / "sim", frames=20, size="480x360", seed=7, raw=True, fmt="png", clean=True)
    _, [(_, dmap, _)] = find(sim.raw_frames)
    listing = tmp_path / "badpixels.txt"
    listing.write_text(export_text(dmap, "dcraw"))
    truth = truth(sim)
    assert {(d.x, d.y) for d in dmap.defects} == set(truth)
    worse, better = [], []
    for src, clean in zip(sim.raw_frames[:3], sim.clean_raw_frames[:3], strict=True):
        ref, plain = _develop(rawpy, clean), _develop(rawpy, src)
        fixed = _develop(rawpy, src, bad_pixels=listing)
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
