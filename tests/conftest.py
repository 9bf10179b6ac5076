"""Shared test setup: one torch thread, a headless matplotlib, and a seeded generator fixture."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest
import torch

# Small problems run up to 100× slower with two threads on a loaded 2-core machine.
torch.set_num_threads(1)


@pytest.fixture
def generator() -> torch.Generator:
    """A CPU generator with a fixed seed: pass it as ``generator=`` to anything stochastic."""
    return torch.Generator().manual_seed(20261122)
