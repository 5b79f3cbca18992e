"""Fault matrix set-up: one fresh world per case, the seed's example service in it, where a refresh starts.

Each case gets its own symsim array (its own SID, so that the Prefect limit `clonepilot-array-<sid>`
of one case's killed run never holds back the next case), its own simulated service host, its own
service name, state directory and lock directory. The service is the seed's example: data in sync#1
(precopy, consistent), archive logs in sync#2, ip, two volume groups, two filesystems and the
database, over a real SSH connection (the `sshd` fixture's node is both the service node and the
symcli node). The scene: both clone sets created and activated once (Copied), the service down.

Copies are short (1 GB in a few ms) and polls close together, so a whole refresh takes a few
seconds and the module stays within CI's means.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from symsim import admin as symsim_admin
from symsim import cli as symsim_cli
from symsim import symclone as symsim_symclone
from tests.flows.conftest import node_line, unique_name, use_flow_settings
from tests.plugins.sshd import SSHServer
from tests.service_texts import host_sections

DATA_PAIRS = (("00100", "00110"), ("00101", "00111"))
ARCH_PAIRS = (("00102", "00112"),)
# 1 GB devices are 8192 tracks: at 100 × 8192 tracks/s a copy takes ~10 ms. Ten simulated seconds
# per wall second: control actions take ~10 ms, `-i 1` lock retries and fault delays a tenth of theirs.
TRACKS_PER_SEC = "819200"
OP_TIME = "0.1"
TIME_SCALE = "10"
# The product's own settings, tuned for a simulated array that answers in milliseconds: close polls,
# short retries, and waits bounded at a few seconds (a stalled copy fails its wait quickly).
MATRIX_SETTINGS = {
    "POLL_INTERVAL_MIN": "0.05",
    "POLL_INTERVAL_MAX": "0.3",
    "PRECOPY_MAX_WAIT": "3",
    "COPIED_MAX_WAIT": "3",
    "SYMCLONE_LOCK_RETRY_INTERVAL": "1",
    "SYMCLONE_LOCK_RETRY_COUNT": "2",
    "TRANSIENT_RETRIES": "2",
    "RETRY_BACKOFF_FIRST": "0.2",
    "RETRY_BACKOFF_MAX": "1",
    "COMMAND_TIMEOUT": "60",
    "SSH_CONNECT_TIMEOUT": "10",
}
_next_sid = iter(range(1, 100000))


def symsim(home: Path, *args: str) -> str:
    """`symsim --home HOME ARGS` in this process: the set-up and the checks need no interpreter start.

    The refresh itself only ever meets symsim's own executables, over SSH.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = symsim_admin.main(["--home", str(home), *args])
    assert code == 0, f"symsim {' '.join(args)}: exit {code}: {err.getvalue()}"
    return out.getvalue()


def _pairs_line(pairs: tuple[tuple[str, str], ...]) -> str:
    return " ".join(f"{src}:{tgt}" for src, tgt in pairs)


def example_text(sshd: SSHServer, sid: str, bin_dir: Path) -> str:
    """The seed's example service (tests/flows/conftest.py's shape) on the array `sid`."""
    node = node_line(sshd)
    return (
        f"[DEFAULT]\nnodes = {node}\nsymcli_node = {node}\nhost_profile = sim\n\n"
        f"[sync#1]\ntype = symclone\nsymid = {sid}\npairs = {_pairs_line(DATA_PAIRS)}\n"
        "consistent = true\nprecopy = true\n\n"
        f"[sync#2]\ntype = symclone\nsymid = {sid}\npairs = {_pairs_line(ARCH_PAIRS)}\n\n"
        + host_sections(bin_dir)
    )


@dataclass
class World:
    """One case's array, host, service and directories; `started` is when the scene was set."""

    root: Path
    home: Path
    bin_dir: Path
    sid: str
    service: str
    state_dir: Path
    lock_dir: Path
    started: float = 0.0

    def admin(self, *args: str) -> str:
        return symsim(self.home, *args)

    def tool(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_dir / name), *args],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.admin("state", "--json"))
        return data

    def pairs(self) -> dict[str, dict[str, Any]]:
        """The array's pairs by target device."""
        (array,) = [a for a in self.state()["arrays"] if a["sid"] == self.sid]
        return {p["tgt"]: p for p in array["pairs"]}

    def _symclone(self, pairs: tuple[tuple[str, str], ...], *action: str) -> None:
        pairs_file = self.root / f"scene-{pairs[0][1]}.pairs"
        pairs_file.write_text("".join(f"{src} {tgt}\n" for src, tgt in pairs))
        argv = ["-sid", self.sid, "-f", str(pairs_file), "-noprompt", *action]
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = symsim_cli.run_tool("symclone", symsim_symclone.body, argv)  # reads SYMSIM_HOME
        assert code == 0, f"symclone {' '.join(argv)}: exit {code}: {out.getvalue()}"

    def set_scene(self) -> None:
        """Both clone sets created and activated once (data first), then the time the case starts."""
        for pairs in (DATA_PAIRS, ARCH_PAIRS):
            self._symclone(pairs, "create", "-diff", "-precopy")
        self._symclone(DATA_PAIRS, "activate", "-consistent")
        self._symclone(ARCH_PAIRS, "activate")
        copied = {tgt: p["state"] for tgt, p in self.pairs().items()}
        assert set(copied.values()) == {"Copied"}, copied
        self.admin("calls", "--clear")
        self.started = time.time()


def make_world(root: Path, sshd: SSHServer, mp: pytest.MonkeyPatch) -> World:
    """A fresh array and host under root, the example service written, the settings in the environment."""
    sid = f"0001979{next(_next_sid):05d}"
    home, bin_dir, services = root / "symsim", root / "bin", root / "services"
    home.mkdir(parents=True)
    services.mkdir()
    symsim(home, "init", sid, "--devs", "00100-0011F", "--size-gb", "1")
    symsim(
        home, "speed", "--tracks-per-sec", TRACKS_PER_SEC, "--op-time", OP_TIME, "--time-scale", TIME_SCALE
    )
    symsim(home, "bin", str(bin_dir))
    symsim(home, "vg", "vgdata", "--sid", sid, "--devs", "00110,00111")
    symsim(home, "vg", "vgarch", "--sid", sid, "--devs", "00112")
    service = unique_name("fault")
    (services / f"{service}.conf").write_text(example_text(sshd, sid, bin_dir))
    world = World(root, home, bin_dir, sid, service, root / "state", root / "locks")
    use_flow_settings(mp, root, home, bin_dir, services, sshd, MATRIX_SETTINGS)
    return world


@pytest.fixture
def world(
    prefect_harness: None, sshd: SSHServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    made = make_world(tmp_path / "world", sshd, monkeypatch)
    made.set_scene()
    yield made


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.faults.report import table

    lines = table()
    if lines:
        terminalreporter.section("fault matrix")
        for line in lines:
            terminalreporter.write_line(line)
