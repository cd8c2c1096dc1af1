"""Block-local JPEG repair: only the blocks of repaired pixels change."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from PIL import Image, ImageCms

from hotpixels.errors import ParameterError
from hotpixels.repair.files import fix_image_file
from hotpixels.repair.jpeg.blocks import jpegtran_path
from hotpixels.repair.jpeg.container import parse, scan_script
from hotpixels.repair.orient import turn
from hotpixels.repair.pixels import correct_pixels

H, W = 203, 301  # not multiples of 8 or 16: edge blocks are partial
DEFECTS = [(50, 40), (151, 100), (W - 1, H - 1), (7, 9), (120, 77), (0, 150)]


EXIF = Image.Exif()


ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


VARIANTS = {
    "420": {"subsampling": 2},
    "444": {"subsampling": 0},
    "progressive": {"subsampling": 2, "progressive": True},
    "restart": {"subsampling": 2, "restart_marker_blocks": 3},
    "grey": {"grey": True},
}


def _scene(seed: int, grey: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:H, :W]
    base = np.stack([100 + 50 * np.sin(xx / 17), 120 + 40 * np.cos(yy / 13),
                     90 + 30 * np.sin((xx + yy) / 23)], -1)  # fmt: skip
    img = (base + rng.normal(0, 3, base.shape)).clip(0, 255).astype(np.uint8)
    return img[..., 1] if grey else img


def _pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path)).astype(np.float64)


def _pair(tmp_path, name, *, grey=False, **save):
    """A photo with hot pixels and its defect-free twin, saved alike."""
    twin = _scene(1, grey)
    photo = twin.copy()
    for x, y in DEFECTS:
        photo[y, x] = 250 if grey else (255, 90, 60)
    kw = {"quality": 90, "exif": EXIF.tobytes(), "icc_profile": ICC, "comment": b"hotpixels test"}
    kw.update(save)
    paths = tmp_path / f"{name}.jpg", tmp_path / f"{name}_twin.jpg"
    for arr, path in zip((photo, twin), paths, strict=True):
        Image.fromarray(arr).save(path, **kw)
    return paths


def _mcu_blocks(jpeg, k: int, defects) -> set[tuple[int, int]]:
    """Blocks of component ``k`` in the MCUs that hold a defect (or its 3x3 ring)."""
    samp = np.asarray(jpeg.samp_factor).reshape(-1, 2)
    hmax, vmax = samp[:, 0].max(), samp[:, 1].max()
    h, v = samp[k]
    out = set()
    for x, y in defects:
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                my, mx = (y + dy) // (8 * vmax), (x + dx) // (8 * hmax)
                out |= {(my * v + i, mx * h + j) for i in range(v) for j in range(h)}
    return out


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_block_local_repair(tmp_path, variant, jpeglib):
    opts = dict(VARIANTS[variant])
    photo, twin = _pair(tmp_path, variant, grey=opts.pop("grey", False), **opts)
    local, full = tmp_path / "local.jpg", tmp_path / "full.jpg"
    note = fix_image_file(photo, local, DEFECTS)
    fix_image_file(photo, full, DEFECTS, reencode=True)
    assert "repaired in place" in note
    src, out = photo.read_bytes(), local.read_bytes()

    # Every block outside the defects' MCUs keeps its coefficients.
    a, b = jpeglib.read_dct(str(photo)), jpeglib.read_dct(str(local))
    comps = ["Y"] if variant == "grey" else ["Y", "Cb", "Cr"]
    changed_total = 0
    for k, name in enumerate(comps):
        ca, cb = getattr(a, name), getattr(b, name)
        assert np.array_equal(a.qt, b.qt)
        changed = {tuple(p) for p in np.argwhere((ca != cb).any(axis=(2, 3)))}
        assert changed <= _mcu_blocks(a, k, DEFECTS), (name, changed)
        changed_total += len(changed)
    assert changed_total > 0

    # The container: metadata byte-identical, same structure, about the same size.
    lo, ln = parse(src), parse(out)
    assert lo.metadata(src) == ln.metadata(out)
    assert len(lo.metadata(src)) >= 3  # JFIF/EXIF, ICC, COM
    assert abs(len(out) - len(src)) <= 0.01 * len(src)
    if jpegtran_path():
        assert ln.kind == lo.kind
        assert scan_script(ln) == scan_script(lo)  # component ids may be renumbered
        assert ln.restart == lo.restart

    # The repair: as good as re-encoding the whole file, close to an ideal repair.
    ref = _pixels(twin)
    ideal = correct_pixels(_pixels(photo), DEFECTS)
    ys, xs = [y for _, y in DEFECTS], [x for x, _ in DEFECTS]

    def err(img):
        return float(np.abs(img[ys, xs] - ref[ys, xs]).mean())

    assert err(_pixels(photo)) > 3 * err(ideal)  # the defects are there to repair
    assert err(_pixels(local)) <= err(_pixels(full))
    assert err(_pixels(local)) <= err(ideal) + 2.0


def test_without_jpegtran_the_note_says_what_changed(tmp_path, monkeypatch, jpeglib):
    photo, _ = _pair(tmp_path, "p", subsampling=2, progressive=True)
    monkeypatch.setenv("HOTPIXELS_JPEGTRAN", "")
    note = fix_image_file(photo, tmp_path / "out.jpg", DEFECTS[:1])
    assert "without its progressive scans" in note
    out = (tmp_path / "out.jpg").read_bytes()
    assert parse(out).kind == "baseline"
    assert parse(out).metadata(out) == parse(photo.read_bytes()).metadata(photo.read_bytes())


def test_cmyk_and_forced_reencode_fall_back_with_a_note(tmp_path):
    cmyk = tmp_path / "cmyk.jpg"
    Image.fromarray(_scene(2)).convert("CMYK").save(cmyk, quality=90)
    note = fix_image_file(cmyk, tmp_path / "c.jpg", DEFECTS[:2])
    assert "re-encoded" in note and "block-local repair not possible" in note
    photo, _ = _pair(tmp_path, "q")
    note = fix_image_file(photo, tmp_path / "r.jpg", DEFECTS[:2], reencode=True)
    assert "re-encoded" in note and "not possible" not in note


def _mpf_file(tmp_path) -> tuple[bytes, bytes]:
    """A JPEG with an MPF segment whose second entry points at an appended preview."""
    photo, _ = _pair(tmp_path, "m", subsampling=2)
    main = photo.read_bytes()
    preview_buf = tmp_path / "preview.jpg"
    Image.fromarray(_scene(3)[:32, :48]).save(preview_buf, quality=80)
    preview = preview_buf.read_bytes()
    # MPF: "MPF\0", TIFF header (II), IFD with MPEntry (2 entries of 16 bytes).
    ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0xB002, 7, 32, 8 + 2 + 12 + 4) + b"\0\0\0\0"
    mpf_len = 2 + 4 + 8 + len(ifd) + 32
    seg_start = 2  # inserted right after SOI
    tiff_at = seg_start + 8
    preview_at = len(main) + mpf_len + 2  # the file grows by the whole segment
    entries = struct.pack("<IIIHH", 0x20030000, len(main) + mpf_len + 2, 0, 0, 0)
    entries += struct.pack("<IIIHH", 0x00010002, len(preview), preview_at - tiff_at, 0, 0)
    seg = b"\xff\xe2" + struct.pack(">H", mpf_len) + b"MPF\0" + b"II*\0" + struct.pack("<I", 8)
    seg += ifd + entries
    return main[:2] + seg + main[2:] + preview, preview


def test_mpf_offsets_follow_the_preview(tmp_path, jpeglib):
    data, preview = _mpf_file(tmp_path)
    src = tmp_path / "mpf.jpg"
    src.write_bytes(data)
    dst = tmp_path / "mpf_out.jpg"
    assert "repaired in place" in fix_image_file(src, dst, DEFECTS)
    out = dst.read_bytes()
    assert out.endswith(preview) and len(out) != len(data)
    seg = out[2 : 2 + 2 + struct.unpack(">H", out[4:6])[0]]
    (offset,) = struct.unpack("<I", seg[8 + 8 + 2 + 12 + 4 + 16 + 8 :][:4])
    assert out[2 + 8 + offset :] == preview


@pytest.mark.parametrize("quarter", [1, 3])
def test_photo_stored_turned_is_repaired_at_the_right_place(tmp_path, quarter, jpeglib):
    photo, twin = _pair(tmp_path, "s", subsampling=2)
    k = -quarter  # np.rot90 turns counter-clockwise
    turned, turned_twin = tmp_path / "turned.jpg", tmp_path / "turned_twin.jpg"
    for src, dst in ((photo, turned), (twin, turned_twin)):
        Image.fromarray(np.rot90(np.asarray(Image.open(src)), k)).save(dst, quality=95, subsampling=2)
    out = tmp_path / "out.jpg"
    note = fix_image_file(turned, out, DEFECTS, expect_size=(W, H))
    assert ("clockwise" if quarter == 1 else "counter-clockwise") in note
    where = turn(DEFECTS, (W, H), quarter)
    ys, xs = [y for _, y in where], [x for x, _ in where]
    before, after, ref = _pixels(turned), _pixels(out), _pixels(turned_twin)
    assert np.abs(after[ys, xs] - ref[ys, xs]).mean() < 0.3 * np.abs(before[ys, xs] - ref[ys, xs]).mean()


def test_turned_photo_without_visible_defects_is_refused(tmp_path, jpeglib):
    clean = tmp_path / "clean.jpg"
    Image.fromarray(np.rot90(_scene(4))).save(clean, quality=95)
    with pytest.raises(ParameterError, match="do not show which way"):
        fix_image_file(clean, tmp_path / "o.jpg", DEFECTS, expect_size=(W, H))
    with pytest.raises(ParameterError, match="map is 300x203"):
        fix_image_file(clean, tmp_path / "o.jpg", DEFECTS, expect_size=(W - 1, H))
