"""Pairs files go to the login user's own directory (`pairs_dir`), checked private before the first one.

The runs here use the `pairs_dir` setting, not the test-only `pairs_dir` argument of RunContext that
`make_ctx` passes: `{user}` is resolved from the symcli node's transport (localhost: this process's
user), and the directory is created, checked or refused by the transport before anything is written.
"""

from __future__ import annotations

import logging
import os
import pwd
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clonepilot.config import Service
from clonepilot.engine.clones import clone_set
from clonepilot.engine.context import RunContext
from clonepilot.settings import Settings
from clonepilot.transport import UnsafeDirectoryError
from tests.engine.conftest import TEST_SETTINGS, MakeService, sync_section
from tests.plugins.symsim import SymsimArray

USER = pwd.getpwuid(os.getuid()).pw_name


@pytest.fixture
def run_ctx(symsim_array: SymsimArray) -> Iterator[Callable[..., RunContext]]:
    """`run_ctx(service, **settings)`: a RunContext that takes its pairs directory from the settings."""
    contexts: list[RunContext] = []

    def make(service: Service, **overrides: Any) -> RunContext:
        settings = Settings(**{**TEST_SETTINGS, "symcli_bin": symsim_array.bin_dir, **overrides})
        ctx = RunContext(service, settings)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


def test_the_default_is_one_directory_per_login_user(make_service: MakeService, run_ctx) -> None:
    ctx = run_ctx(make_service(sync_section()))
    assert ctx.pairs_dir == f"/var/tmp/clonepilot-{USER}"


def test_a_recreate_writes_its_pairs_file_under_the_login_users_directory(
    make_service: MakeService, run_ctx, symsim_calls, tmp_path: Path
) -> None:
    ctx = run_ctx(make_service(sync_section()), pairs_dir=str(tmp_path / "pairs-{user}"))
    directory = tmp_path / f"pairs-{USER}"
    assert ctx.pairs_dir == str(directory)
    cs = clone_set(ctx, ctx.service.syncs[0])
    cs.provision()
    cs.wait_activable()
    cs.activate()
    cs.wait_copied()
    assert cs.recreate().changed
    (recreate,) = symsim_calls("symclone", "recreate")
    argv = recreate["argv"]
    pairs_file = directory / "svc.sync-1.pairs"
    assert argv[argv.index("-f") + 1] == str(pairs_file)
    assert pairs_file.read_text() == "00100 00110\n00101 00111"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700 and directory.stat().st_uid == os.getuid()
    assert stat.S_IMODE(pairs_file.stat().st_mode) == 0o600


def test_someone_elses_directory_stops_the_step_before_any_file_or_command(
    make_service: MakeService, run_ctx, symsim_calls, tmp_path: Path
) -> None:
    directory = tmp_path / f"pairs-{USER}"
    directory.mkdir(mode=0o755)
    os.chown(directory, pwd.getpwnam("nobody").pw_uid, -1)
    ctx = run_ctx(make_service(sync_section()), pairs_dir=str(tmp_path / "pairs-{user}"))
    with pytest.raises(UnsafeDirectoryError) as caught:
        clone_set(ctx, ctx.service.syncs[0]).provision()
    message = str(caught.value)
    assert message.startswith(f"node localhost: directory {directory} (owner uid ")
    assert message.endswith(
        f"remove it (as its owner or root: rm -r {directory}) or set pairs_dir (CLONEPILOT_PAIRS_DIR)"
        f" to a directory {USER} alone may write"
    )
    assert list(directory.iterdir()) == []
    assert symsim_calls("symclone") == []


def test_a_loose_directory_is_tightened_once_per_run_with_a_warning(
    make_service: MakeService, run_ctx, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / f"pairs-{USER}"
    directory.mkdir()
    directory.chmod(0o775)
    service = make_service(sync_section() + "\n" + sync_section("00102:00112", rid="sync#2"))
    ctx = run_ctx(service, pairs_dir=str(tmp_path / "pairs-{user}"))
    with caplog.at_level(logging.WARNING, logger="clonepilot"):
        for sync in service.syncs:
            clone_set(ctx, sync).provision()
        # Loosened again behind the run's back: the run checked once and does not look again.
        directory.chmod(0o775)
        clone_set(ctx, service.syncs[0]).unprovision()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"node localhost: directory {directory} was mode 0775; tightened to 0700 so that only {USER}"
        " can read or replace the files in it"
    ]
    assert sorted(p.name for p in directory.iterdir()) == ["svc.sync-1.pairs", "svc.sync-2.pairs"]
