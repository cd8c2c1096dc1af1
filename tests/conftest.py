"""Shared fixtures: simulated cameras with known truth, each made once per session."""

from __future__ import annotations

import inspect
import io
import json
import os
import struct
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from hotpixels.pipeline import find
from hotpixels.sim.camera import simulate

#: Size of the simulated RAW cameras.
RAW_SIZE = "480x360"


def _key(**kwargs) -> tuple:
    """The full set of ``simulate`` arguments (defaults filled in, sizes as tuples), so
    that one camera asked for in two spellings is simulated once."""
    bound = inspect.signature(simulate).bind("out", **kwargs)
    bound.apply_defaults()
    args = dict(bound.arguments)
    args.pop("out")
    args.pop("progress", None)
    size = args["size"]
    if isinstance(size, str):
        size = tuple(int(v) for v in size.lower().split("x"))
    args["size"] = tuple(size)
    return tuple(sorted(args.items()))


@pytest.fixture(scope="session")
def sim_factory(tmp_path_factory):
    """Simulate (once per camera) and run ``find``; returns (sim, result, maps)."""
    cache: dict = {}

    def make(**kwargs):
        key = _key(**kwargs)
        if key not in cache:
            out = tmp_path_factory.mktemp("sim")
            sim = simulate(out, **kwargs)
            result, maps = find([out])
            cache[key] = (sim, result, maps)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def raw_sims(tmp_path_factory):
    """Simulated cameras with DNG frames (once per seed), and their RAW maps; skipped
    where rawpy or tifffile is not installed."""
    pytest.importorskip("rawpy")
    pytest.importorskip("tifffile")
    cache: dict = {}

    def make(seed: int, **kwargs):
        key = (seed, tuple(sorted(kwargs.items())))
        if key not in cache:
            out = tmp_path_factory.mktemp(f"raw{seed}")
            sim = simulate(out, frames=kwargs.pop("frames", 20), size=kwargs.pop("size", RAW_SIZE), seed=seed,
                           raw=True, fmt="png", **kwargs)  # fmt: skip
            result, maps = find(sim.raw_frames)
            cache[key] = (sim, result, maps)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def truth():
    """``truth(sim)``: the simulation's defects by ``(x, y)``."""

    def read(sim) -> dict[tuple[int, int], dict]:
        doc = json.loads(sim.truth_path.read_text())
        return {(d["x"], d["y"]): d for d in doc["defects"]}

    return read


@pytest.fixture(scope="session")
def small_sim(tmp_path_factory):
    """A small PNG camera (12 frames of 256x192) with clean twins, for fast tests."""
    out = tmp_path_factory.mktemp("small")
    return simulate(out, frames=12, size="256x192", seed=5, clean=True, fmt="png")


@pytest.fixture
def rawpy():
    """rawpy, or the test is skipped (the ``raw`` extra)."""
    return pytest.importorskip("rawpy")


@pytest.fixture
def tifffile():
    """tifffile, or the test is skipped (the ``raw`` extra)."""
    return pytest.importorskip("tifffile")


@pytest.fixture
def jpeglib():
    """jpeglib, or the test is skipped (the ``jpeg`` extra)."""
    return pytest.importorskip("jpeglib")


@pytest.fixture
def simplejpeg():
    """simplejpeg, or the test is skipped (the ``fast`` extra)."""
    return pytest.importorskip("simplejpeg")


# --- a corpus of broken and hostile files ------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_claiming(w: int, h: int, body: bytes = b"") -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + body + _png_chunk(b"IEND", b"")


def _jpeg(arr: np.ndarray, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", **kw)
    return buf.getvalue()


def _sof_claiming(data: bytes, w: int, h: int, precision: int | None = None) -> bytes:
    i = data.index(b"\xff\xc0")
    out = bytearray(data)
    if precision is not None:
        out[i + 4] = precision
    out[i + 5 : i + 9] = struct.pack(">HH", h, w)
    return bytes(out)


def bad_files(folder: Path, photo: bytes) -> dict[str, str]:
    """Write the corpus beside ``photo`` (a good JPEG of the camera); return {name: what
    it is} of the files that must fail."""
    rng = np.random.default_rng(0)
    good = _jpeg(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8), quality=90)
    bad: dict[str, str] = {}

    def put(name: str, data: bytes, what: str) -> None:
        (folder / name).write_bytes(data)
        bad[name] = what

    put("empty.jpg", b"", "zero bytes")
    put("empty.png", b"", "zero bytes")
    for share in (1, 50, 90):  # copies of the camera's photo, cut short
        put(f"truncated{share}.jpg", photo[: len(photo) * share // 100], f"truncated at {share} %")
    put("garbage.jpg", os.urandom(3000), "garbage with a JPEG name")
    put("garbage.png", b"not a png" * 300, "garbage with a PNG name")
    put("garbage.tif", b"II*\x00" + os.urandom(500), "garbage behind a TIFF signature")
    put("bomb.png", _png_claiming(60000, 60000), "a PNG header claiming 60000x60000")
    put("liar.png", _png_claiming(9000, 9000), "74 bytes claiming 9000x9000")
    put("bomb.jpg", _sof_claiming(good, 65000, 65000), "a JPEG SOF claiming 65000x65000")
    put("tiny.jpg", _jpeg(np.zeros((1, 1, 3), np.uint8)), "1x1 pixel")
    put("twelve.jpg", _sof_claiming(good, 64, 48, precision=12), "a 12-bit header on 8-bit data")
    put("badcrc.png", _png_claiming(64, 48, _png_chunk(b"IDAT", b"xx")), "a PNG whose data is no image")
    big = PngImagePlugin.PngInfo()
    big.add_text("comment", "x" * (70 * 2**20), zip=True)  # more than Pillow decompresses
    buf = io.BytesIO()
    Image.new("RGB", (64, 48)).save(buf, "PNG", pnginfo=big)
    put("hugetext.png", buf.getvalue(), "a 70 MB text chunk")
    tif = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(tif, "TIFF")
    put("truncated.tif", tif.getvalue()[:2000], "a truncated TIFF")
    put("text.dng", b"just text, not a raw file\n" * 40, "text with a RAW name")
    put("new\nline.jpg", good[:100], "a truncated JPEG with a newline in its name")
    put("soi.jpg", b"\xff\xd8", "a JPEG start marker and nothing else")
    png = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(png, "PNG")
    put("truncated.png", png.getvalue()[: len(png.getvalue()) // 2], "a PNG cut in its image data")
    huge = io.BytesIO()
    Image.new("L", (64, 48)).save(huge, "TIFF")
    data = bytearray(huge.getvalue())
    ifd = struct.unpack_from("<I", data, 4)[0]
    for i in range(struct.unpack_from("<H", data, ifd)[0]):  # ImageWidth, ImageLength: 70000
        entry = ifd + 2 + 12 * i
        if struct.unpack_from("<H", data, entry)[0] in (256, 257):
            struct.pack_into("<HII", data, entry + 2, 4, 1, 70000)
    put("bomb.tif", bytes(data), "a TIFF claiming 70000x70000")
    put("zeros.nef", bytes(4096), "4 KB of zeros with a RAW name")
    (folder / "dir.jpg").mkdir()  # a folder named like a photo: not a file, searched
    (folder / "broken.jpg").symlink_to(folder / "nowhere.jpg")  # in a folder: no file
    (folder / "loop").symlink_to(folder)  # a folder link: not followed
    os.mkfifo(folder / "fifo.jpg")  # not a regular file: never opened
    return bad


@pytest.fixture(scope="session")
def corpus():
    """Builders of broken and hostile files: ``bad_files(folder, photo)`` writes the corpus,
    ``png_claiming(w, h)`` and ``sof_claiming(jpeg, w, h)`` make lying headers."""
    return SimpleNamespace(bad_files=bad_files, png_claiming=_png_claiming, sof_claiming=_sof_claiming)
