"""Fast find: same statistics and map for any worker count, decoder and kernel; bounded memory."""

from __future__ import annotations

import numpy as np
import pytest

from hotpixels import _kernels, parallel
from hotpixels.detect import detect_defects, evidence
from hotpixels.io.decode import decode, probe
from hotpixels.io.readers import read_frame
from hotpixels.scan import scan
from hotpixels.simulate import simulate
from hotpixels.stats import Accumulator

simplejpeg = pytest.importorskip("simplejpeg")


@pytest.fixture(scope="module")
def burst_set(tmp_path_factory):
    """JPEGs with a burst, so that repeats fall on chunk boundaries."""
    out = tmp_path_factory.mktemp("burst")
    simulate(out, frames=22, size="256x192", seed=7, burst=9)
    return out


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(parallel, "CHUNK", 3)  # many chunk boundaries inside the burst
    monkeypatch.setattr(parallel, "STACK", 2)


@pytest.mark.parametrize("workers", [2, 3])
def test_same_statistics_and_map_for_any_worker_count(burst_set, small_chunks, workers):
    one = scan([burst_set], workers=1).groups[0]
    many = scan([burst_set], workers=workers).groups[0]
    assert many.acc == one.acc
    assert many.repeats == one.repeats and len(one.repeats) >= 6
    assert many.files == one.files
    assert detect_defects(many.acc).to_dict() == detect_defects(one.acc).to_dict()


def test_repeats_on_chunk_boundaries_are_subtracted_exactly(burst_set, small_chunks):
    pooled = scan([burst_set], workers=2).groups[0]
    direct = Accumulator()
    for path in pooled.files:
        direct.update(read_frame(path).data)
    for name in ("s1", "s2", "srr", "nexc"):
        assert np.array_equal(getattr(pooled.acc, name), getattr(direct, name)), name
    # seen: the earliest frame by date that showed each subpixel, repeats included
    every = sorted(pooled.files + pooled.repeats, key=lambda p: (probe(p).taken, str(p)))
    dated = Accumulator()
    for rank, path in enumerate(every):
        dated.update(read_frame(path).data, rank=rank)
    assert pooled.acc.seen.any() and np.array_equal(pooled.acc.seen, dated.seen)


@pytest.mark.parametrize("decoder", ["pillow", "simplejpeg"])
def test_decoders_give_identical_pixels(sim_factory, decoder):
    sim, _, _ = sim_factory(frames=40, seed=1)
    for path in sim.frames[:4]:  # 4:2:0 and 4:4:4 alternate
        info = probe(path)
        assert np.array_equal(decode(info, prefer=decoder), read_frame(path).data)


def test_map_does_not_depend_on_decoder(burst_set):
    maps = [detect_defects(scan([burst_set], decoder=d).groups[0].acc).to_dict()
            for d in ("pillow", "simplejpeg")]  # fmt: skip
    assert maps[0] == maps[1]


def test_grey_jpeg_decodes_identically(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(3)
    path = tmp_path / "grey.jpg"
    Image.fromarray(rng.integers(0, 255, (40, 56), dtype=np.uint8)).save(path, quality=90)
    info = probe(path)
    assert info.shape == (40, 56, 1)
    assert np.array_equal(decode(info, prefer="simplejpeg"), decode(info, prefer="pillow"))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("shape", [(2, 2, 1), (37, 41, 3), (5, 70, 1)])
def test_numba_and_numpy_kernels_agree(dtype, shape):
    if not _kernels.HAVE_NUMBA:
        pytest.skip("numba not installed")
    rng = np.random.default_rng(1)
    frames = rng.integers(0, np.iinfo(dtype).max, (3, *shape), dtype=dtype)
    bits = 8 if dtype == np.uint8 else 16
    a, b = Accumulator.empty(shape, bits), Accumulator.empty(shape, bits)
    for sign in (1, 1, -1, 0):
        for state, fast in ((a.state, True), (b.state, False)):
            _kernels.update_rows(state, frames, 0, shape[0], [90, 40, 5], sign,
                                 encs=[7, 9, 3], use_numba=fast)  # fmt: skip
    assert a.seen.any() or shape[0] * shape[1] < 100
    assert all(np.array_equal(x, y) for x, y in zip(a.state, b.state, strict=True))
    assert np.array_equal(_kernels.block_sums(frames[0], use_numba=True),
                          _kernels.block_sums(frames[0], use_numba=False))  # fmt: skip
    assert np.array_equal(_kernels.residual_histogram(frames[0], use_numba=True),
                          _kernels.residual_histogram(frames[0], use_numba=False))  # fmt: skip


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("shape", [(2, 2, 1), (37, 41, 3), (70, 130, 3)])
def test_numba_and_numpy_detection_agree(dtype, shape, monkeypatch):
    if not _kernels.HAVE_NUMBA:
        pytest.skip("numba not installed")
    rng = np.random.default_rng(3)
    top = np.iinfo(dtype).max
    acc = Accumulator()
    for _ in range(7):
        scene = rng.integers(0, top // 3, (*shape[:2], 1), dtype=dtype)
        frame = rng.integers(0, top // 3, shape, dtype=dtype) + scene
        frame[1, 1] = top  # a hot pixel, and a stuck one where there is room
        frame[-1, -1] = top // 2
        acc.update(frame)
    both = []
    for flag in (True, False):
        monkeypatch.setattr(_kernels, "HAVE_NUMBA", flag)
        if not flag:
            for name in ("_band_terms_numba", "_band_scores_numba"):
                monkeypatch.delattr(_kernels, name)  # the numpy path must not need them
        both.append(evidence(acc))
    a, b = both
    for name in ("z", "decoupling", "best", "dominant"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.best.max() > 1.0  # the injected defects are above the line


@pytest.mark.parametrize("shape", [(64, 64, 3), (64, 50, 1), (130, 200, 2)])
def test_tile_medians_leave_the_band_alone(shape):
    from hotpixels.detect import _median_and_mad, _tile_blocks

    band = np.random.default_rng(4).random(shape, dtype=np.float32)
    keep = band.copy()
    med, mad = _median_and_mad(_tile_blocks(band, 64))  # sorts its blocks in place
    assert np.array_equal(band, keep)
    blocks = _tile_blocks(keep, 64)
    k = blocks.shape[-1] // 2
    upper = np.sort(blocks, axis=-1)[..., k]
    assert np.array_equal(med, upper)
    assert np.array_equal(mad, np.sort(np.abs(blocks - upper[..., None]), axis=-1)[..., k])


def test_subtracting_a_frame_restores_the_state():
    rng = np.random.default_rng(2)
    frames = rng.integers(0, 255, (2, 20, 30, 3), dtype=np.uint8)
    acc = Accumulator()
    acc.update(frames[0])
    before = acc.copy()
    _kernels.update_rows(acc.state, frames[1:], 0, 20, [40], 1)
    _kernels.update_rows(acc.state, frames[1:], 0, 20, [40], -1)
    assert acc == before


def _rss_kb() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS"))


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/status"), reason="needs /proc")
def test_memory_is_flat_in_the_number_of_photos(tmp_path):
    simulate(tmp_path, frames=8, size="640x480", seed=4, fmt="png")
    files = sorted(tmp_path.glob("frame_*.png"))
    scan(files, repeats=False)  # warm up: imports, compiled kernels
    samples = []
    infos = [probe(f) for f in files] * 30  # 240 decodes: the state and buffers are reused
    groups = {(infos[0].key, 8): infos}
    with parallel.state_files(groups) as states:
        chunks = parallel.chunks_of(groups, states, repeats=False)
        parallel.run_chunks(chunks, on_result=lambda c, r: samples.append(_rss_kb()))
    growth = samples[-1] - samples[len(samples) // 4]
    assert growth < 8 * 1024, f"RSS grew by {growth} kB over {len(infos)} frames"
