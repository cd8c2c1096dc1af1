"""Shared fixtures: simulated cameras with known truth, each made once per session."""

from __future__ import annotations

import inspect
import json

import pytest

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
            sim = simulate(out, frames=kwargs.pop("frames", 20), size=RAW_SIZE, seed=seed, raw=True,
                           fmt="png", **kwargs)  # fmt: skip
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
