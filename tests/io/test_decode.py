"""Probing and decoding: both JPEG decoders give the same pixels."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

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
