"""Probing and decoding: both JPEG decoders give the same pixels."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from hotpixels.errors import ImageReadError
from hotpixels.io.decode import decode, probe
from hotpixels.io.images import read_frame


@pytest.mark.parametrize("decoder", ["pillow", "simplejpeg"])
def test_decoders_give_identical_pixels(sim_factory, decoder):
    if decoder == "simplejpeg":
        pytest.importorskip("simplejpeg")
    sim, _, _ = sim_factory(frames=40, seed=1)
    for path in sim.frames[:4]:  # 4:2:0 and 4:4:4 alternate
        info = probe(path)
        assert np.array_equal(decode(info, prefer=decoder), read_frame(path).data)


def test_grey_jpeg_decodes_identically(tmp_path, simplejpeg):

    rng = np.random.default_rng(3)
    path = tmp_path / "grey.jpg"
    Image.fromarray(rng.integers(0, 255, (40, 56), dtype=np.uint8)).save(path, quality=90)
    info = probe(path)
    assert info.shape == (40, 56, 1)
    assert np.array_equal(decode(info, prefer="simplejpeg"), decode(info, prefer="pillow"))


def test_a_jpeg_missing_only_its_end_marker_is_read_and_one_cut_short_is_not(tmp_path, simplejpeg):
    rng = np.random.default_rng(5)
    whole = tmp_path / "whole.jpg"
    Image.fromarray(rng.integers(0, 255, (64, 96, 3), dtype=np.uint8)).save(whole, quality=90)
    data = whole.read_bytes()
    (tmp_path / "noeoi.jpg").write_bytes(data[:-2])
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) * 3 // 4])
    expected = read_frame(whole).data
    info = probe(tmp_path / "noeoi.jpg")
    for decoder in ("simplejpeg", "pillow"):
        assert np.array_equal(decode(info, prefer=decoder), expected), decoder
        with pytest.raises(ImageReadError, match=r"cut\.jpg: corrupt or truncated"):
            decode(probe(tmp_path / "cut.jpg"), prefer=decoder)


def test_a_photo_without_capture_time_is_dated_by_its_file_time(tmp_path):
    import datetime as dt
    import os

    import numpy as np
    from PIL import Image

    from hotpixels.io.decode import probe

    path = tmp_path / "plain.png"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(path)
    stamp = dt.datetime(2021, 5, 6, 7, 8, 9)
    os.utime(path, (stamp.timestamp(), stamp.timestamp()))
    assert probe(path).taken == stamp
