"""Shared fixtures. Tests that read ../shared/corpus skip cleanly when it is absent (a user's machine has none)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
from pipeline.evaluate.gold import corpus_dir  # noqa: E402

CORPUS = corpus_dir()
SAMPLE = ROOT / "data" / "sample"

os.environ.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))
# each pytest-xdist worker runs its own temporary Prefect server on its own database
# (Prefect makes its home but not the folders above it)
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["PREFECT_HOME"] = str(Path(os.environ["PREFECT_HOME"]) / os.environ["PYTEST_XDIST_WORKER"])
Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# the temporary Prefect server's first start on a fresh home took longer than its 20 s default on a slow host
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


def corpus_path(*parts: str) -> Path:
    p = CORPUS.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared corpus not available: {p}")
    return p


@pytest.fixture
def corpus():
    return corpus_path
