"""Shared fixtures: simulated cameras with known truth, made once per session."""

from __future__ import annotations

import pytest

from hotpixels.scan import find
from hotpixels.simulate import simulate


@pytest.fixture(scope="session")
def sim_factory(tmp_path_factory):
    """Simulate (once per parameter set) and run ``find``; returns (sim, result, maps)."""
    cache: dict = {}

    def make(**kwargs):
        key = tuple(sorted(kwargs.items()))
        if key not in cache:
            out = tmp_path_factory.mktemp("sim")
            sim = simulate(out, **kwargs)
            result, maps = find([out])
            cache[key] = (sim, result, maps)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def small_sim(tmp_path_factory):
    """A small PNG camera (12 frames of 256x192) with clean twins, for fast tests."""
    out = tmp_path_factory.mktemp("small")
    return simulate(out, frames=12, size="256x192", seed=5, clean=True, fmt="png")
