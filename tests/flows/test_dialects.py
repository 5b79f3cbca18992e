"""The seed's two-resource refresh, over real SSH in Prefect's harness, under every symsim dialect.

A dialect is symsim playing one plausible variant of a SYMCLI fact no real capture confirms
(symsim/README.md). The profiles below are built from symsim's own list of keys so that every
value of every key is played at least once; a key added to symsim is covered without a change
here. Under each: provision, a first refresh (full precopy) and a differential refresh with stop
first, then the end state: pairs Copied with a new point in time, the archive logs' later than
the data's, the database up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows.prefect_runner import ActionFailed
from symsim import dialect as symsim_dialect
from tests.flows.conftest import FlowEnv, FlowRun, example_service_text, make_flow_env, run_flow
from tests.plugins.sshd import SSHServer
from tests.plugins.symsim import DEFAULT_SID


def _profiles() -> list[tuple[str, ...]]:
    """Profile i plays value i of every key (its default when it has fewer): all values covered."""
    width = max(len(key.values) for key in symsim_dialect.KEYS)
    profiles = []
    for index in range(width):
        profiles.append(
            tuple(
                f"{key.name}={key.values[index]}"
                for key in symsim_dialect.KEYS
                if index < len(key.values) and index > 0
            )
        )
    # The harshest together: no percent in symdev, a verify that says nothing but its exit code.
    profiles.append(("percent_element=none", "verify_codes=one", "verify_text=no", "control_channel=stdout"))
    return profiles


PROFILES = _profiles()


def _fail_text(run: FlowRun) -> str:
    return run.result.report.summary() if isinstance(run.result, ActionFailed) else str(run.result)


def _pairs(env: FlowEnv) -> dict[str, dict[str, Any]]:
    (array,) = [a for a in env.state()["arrays"] if a["sid"] == DEFAULT_SID]
    return {p["tgt"]: p for p in array["pairs"]}


def test_every_dialect_value_is_played() -> None:
    played = {item for profile in PROFILES for item in profile}
    for key in symsim_dialect.KEYS:
        for value in key.values[1:]:
            assert f"{key.name}={value}" in played


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: ",".join(p) or "defaults")
def test_refresh_under_dialect(
    profile: tuple[str, ...],
    prefect_harness: None,
    sshd: SSHServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = make_flow_env(tmp_path / "env", sshd, monkeypatch)
    if profile:
        env.admin("dialect", *profile)
    env.admin("vg", "vgdata", "--sid", DEFAULT_SID, "--devs", "00110,00111")
    env.admin("vg", "vgarch", "--sid", DEFAULT_SID, "--devs", "00112")
    name = env.write_service(example_service_text(sshd, env.bin_dir), "dialect")

    provision = run_flow("provision", name)
    assert provision.ok, _fail_text(provision)
    first = run_flow("refresh", name)
    assert first.ok, _fail_text(first)
    before = _pairs(env)
    second = run_flow("refresh", name, stop_first=True)
    assert second.ok, _fail_text(second)
    after = _pairs(env)

    assert [s["outcome"] for s in second.result["stages"]] == ["done"] * len(second.result["stages"])
    # The differential refresh recreated and activated every pair: Copied, a new point in time.
    assert {tgt: p["state"] for tgt, p in after.items()} == dict.fromkeys(
        ("00110", "00111", "00112"), "Copied"
    )
    for tgt in ("00110", "00111", "00112"):
        assert after[tgt]["pit"] > before[tgt]["pit"], tgt
    # Data first: the archive logs' point in time is later, and the database agrees by starting.
    assert after["00112"]["pit"] > after["00110"]["pit"] == after["00111"]["pit"]
    assert env.host("db", "status", "ORA") == 0
