"""CLI test set-up shared by the config tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    # Settings read the environment, .env and clonepilot.toml: start each test from none of them.
    for name in list(os.environ):
        if name.startswith("CLONEPILOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return CliRunner()
