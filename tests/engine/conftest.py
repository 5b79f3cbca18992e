"""Engine test set-up: services written in tmp_path, run contexts wired to the simulated array.

Commands run for real through LocalTransport (service node `localhost`) on symsim's generated
executables; nothing is mocked.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clonepilot.config import Service, load_service_file
from clonepilot.engine.context import ProgressEvent, RunContext
from clonepilot.settings import Settings
from tests.plugins.symsim import SymsimArray

DEFAULT_SECTION = "[DEFAULT]\nnodes = localhost\nhost_profile = sim\n\n"

# Short polls and a single lock attempt: tests see the array within a fraction of a second and
# a lock fault fails at once (the caller, not the driver, retries).
TEST_SETTINGS: dict[str, Any] = {
    "poll_interval_min": 0.1,
    "poll_interval_max": 1.0,
    "precopy_max_wait": 30.0,
    "copied_max_wait": 30.0,
    "symclone_lock_retry_interval": 1,
    "symclone_lock_retry_count": 1,
    "command_timeout": 60.0,
    # Engine tests count attempts exactly: only `restart` adds any, unless a test asks for more.
    "transient_retries": 0,
}

MakeService = Callable[..., Service]
MakeCtx = Callable[..., RunContext]


@pytest.fixture
def make_service(tmp_path: Path) -> MakeService:
    """`make_service(text, name="svc")`: write a service file (DEFAULT added if absent) and load it."""

    def make(text: str, name: str = "svc") -> Service:
        body = textwrap.dedent(text)
        if "[DEFAULT]" not in body:
            body = DEFAULT_SECTION + body
        directory = tmp_path / "services"
        directory.mkdir(exist_ok=True)
        path = directory / f"{name}.conf"
        path.write_text(body)
        return load_service_file(path)

    return make


@pytest.fixture
def make_ctx(symsim_array: SymsimArray, tmp_path: Path) -> Iterator[MakeCtx]:
    """`make_ctx(service, dry_run=False, progress=None, **settings)`: a RunContext on the simulated array.

    symcli_bin is symsim's bin directory; pairs files go to tmp_path/pairs. Closed at teardown.
    """
    contexts: list[RunContext] = []

    def make(
        service: Service,
        dry_run: bool = False,
        progress: Callable[[ProgressEvent], None] | None = None,
        **overrides: Any,
    ) -> RunContext:
        values = {**TEST_SETTINGS, **overrides, "symcli_bin": symsim_array.bin_dir}
        ctx = RunContext(
            service,
            Settings(**values),
            dry_run=dry_run,
            progress=progress,
            pairs_dir=str(tmp_path / "pairs"),
        )
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def symsim_calls(symsim_array: SymsimArray) -> Callable[..., list[dict[str, Any]]]:
    """`symsim_calls(tool=None, action=None)`: the array's call log, optionally filtered."""

    def calls(tool: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = json.loads(symsim_array.admin("calls", "--json").stdout)
        if tool is not None:
            records = [r for r in records if r["tool"] == tool]
        if action is not None:
            records = [r for r in records if action in [word.lower() for word in r["argv"][1:]]]
        return records

    return calls


def sync_section(
    pairs: str = "00100:00110 00101:00111", rid: str = "sync#1", sid: str = "000197900123", **keywords: object
) -> str:
    """An array-form `[sync#N] type = symclone` section; keywords are written as `key = value`."""
    lines = [f"[{rid}]", "type = symclone", f"symid = {sid}", f"pairs = {pairs}"]
    lines += [
        f"{key} = {str(value).lower() if isinstance(value, bool) else value}"
        for key, value in keywords.items()
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def set_speed(symsim_array: SymsimArray) -> Callable[[int], None]:
    """`set_speed(tracks_per_sec)`: how fast the array copies (1 GB device = 8192 tracks)."""

    def set_it(tracks_per_sec: int) -> None:
        symsim_array.admin("speed", "--tracks-per-sec", str(tracks_per_sec))

    return set_it


@pytest.fixture
def group(symsim_array: SymsimArray) -> str:
    """DGCVI: sources 00120/00121 as DEV001/DEV002, targets 00130/00131 as CLONE001/CLONE002."""

    def ok(*args: str) -> None:
        done = symsim_array.run(*args)
        assert done.returncode == 0, done.stderr

    ok("symdg", "create", "-type", "REGULAR", "DGCVI")
    for dev, ldev in (("00120", "DEV001"), ("00121", "DEV002")):
        ok("symld", "-g", "DGCVI", "-sid", symsim_array.sid, "add", "dev", dev, ldev)
    for dev, ldev in (("00130", "CLONE001"), ("00131", "CLONE002")):
        ok("symld", "-g", "DGCVI", "add", "dev", dev, ldev, "-tgt")
    return "DGCVI"
