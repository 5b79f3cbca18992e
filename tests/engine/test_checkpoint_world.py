"""A refresh's checkpoint is trusted only while the world is still the one its stages left.

Every test starts from the tester's case: a refresh that failed at its last stage (an application
that cannot start yet), leaving a checkpoint with every other stage done and the service half up.
What happens between that run and the next one decides whether the next one resumes or starts over,
and it must say which and why.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from clonepilot.config import Service
from clonepilot.engine.checkpoint import FORMAT, open_checkpoint
from clonepilot.engine.checkpoint_world import clone_set_differences, read_clone_set
from clonepilot.engine.report import RunReport
from clonepilot.engine.runbook import execute, runbook
from tests.engine.conftest import MakeCtx, MakeService
from tests.engine.helpers_host import db_status, demo_text, register_vgs
from tests.plugins.symsim import DEFAULT_DEVS, DEFAULT_SID, SymsimArray

STATE_CHANGING = ("recreate", "activate")


class Scene:
    """The demo service plus app#2, which starts only once its flag file exists."""

    def __init__(self, array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, tmp_path: Path):
        self.array, self.make_ctx, self.tmp_path = array, make_ctx, tmp_path
        self.make_service = make_service
        self.flag = tmp_path / "app2-may-start"
        self.state_dir = tmp_path / "state"
        self.checkpoint_file = self.state_dir / "demo.refresh.checkpoint.json"
        self.service = self.write()

    def write(self, stop: str = "rm -f") -> Service:
        running = self.tmp_path / "app2-running"
        extra = (
            f"\n[app#2]\nstart = test -e {self.flag} && touch {running}\nstop = {stop} {running}\n"
            f"check = test -e {running}\n"
        )
        return self.make_service(demo_text(self.array, extra=extra), name="demo")

    def refresh(self, *, restart: bool = False, **settings: object) -> RunReport:
        with self.make_ctx(self.service, state_dir=self.state_dir, **settings) as ctx:
            stages = runbook(self.service, "refresh")
            checkpoint = open_checkpoint(ctx.settings, self.service.name, "refresh", stages, restart=restart)
            return execute(ctx, stages, action="refresh", checkpoint=checkpoint)

    def run(self, action: str) -> RunReport:
        with self.make_ctx(self.service, state_dir=self.state_dir) as ctx:
            return execute(ctx, runbook(self.service, action), action=action)

    def symclone(self, pairs: str, *action: str) -> None:
        """A storage administrator's own symclone call on some pairs (`SRC TGT` lines)."""
        path = self.tmp_path / "by-hand.pairs"
        path.write_text(pairs)
        args = ["-sid", self.array.sid, "-f", str(path), "-noprompt", *action]
        done = self.array.run("symclone", *args)
        assert done.returncode == 0, done.stdout + done.stderr

    def actions(self, since: float) -> list[str]:
        """The symclone control actions the array received since `since`."""
        calls = json.loads(self.array.admin("calls", "--json").stdout)
        words = [w for c in calls if c["tool"] == "symclone" and c["start"] >= since for w in c["argv"]]
        return [w for w in words if w in STATE_CHANGING]


@pytest.fixture
def scene(symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, tmp_path: Path) -> Scene:
    register_vgs(symsim_array)
    symsim_array.admin("speed", "--tracks-per-sec", "81920")  # a 1 GB copy in 0.1 s
    built = Scene(symsim_array, make_service, make_ctx, tmp_path)
    for pairs in ("00100 00110\n00101 00111\n", "00102 00112\n"):
        built.symclone(pairs, "create", "-diff", "-precopy")
    return built


@pytest.fixture
def interrupted(scene: Scene) -> Scene:
    """The refresh failed at its last stage: app#2 could not start; a checkpoint holds the rest."""
    report = scene.refresh()
    assert not report.ok and report.error.startswith("stage 10 (start app) failed: app#2"), report.summary()
    assert scene.checkpoint_file.exists()
    assert db_status(scene.array) == 0  # the database (app#1) runs on the refreshed data
    return scene


def _outcomes(report: RunReport) -> dict[str, str]:
    return {s.name: s.outcome for s in report.stages}


def _next_second() -> None:
    """The array keeps action times to the second: let the clock tick past the last recorded one."""
    start = int(time.time())
    deadline = time.monotonic() + 2
    while int(time.time()) == start:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def _log(caplog: pytest.LogCaptureFixture, text: str) -> str:
    lines = [r.getMessage() for r in caplog.records if text in r.getMessage()]
    assert lines, "\n".join(r.getMessage() for r in caplog.records)
    return lines[-1]


# --- a genuine interruption still resumes ---------------------------------------------------------


def test_a_rerun_in_the_same_world_resumes_and_rechecks_the_host_stages(
    interrupted: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    scene = interrupted
    data = json.loads(scene.checkpoint_file.read_text())
    assert data["format"] == FORMAT and data["config"]
    # What the sync stages left, as the array read it: small, one entry per clone set.
    assert data["world"]["sync#1"]["after"] == "wait_copied"
    assert [p[2] for p in data["world"]["sync#1"]["pairs"]] == ["Copied", "Copied"]
    assert all(p[3] for p in data["world"]["sync#2"]["pairs"])  # the activation time
    scene.flag.touch()
    since = time.time()
    caplog.set_level(logging.INFO, logger="clonepilot")

    report = scene.refresh()

    assert report.ok, report.summary()
    assert "sync#1, sync#2 still show what they left" in _log(caplog, "resuming the refresh started")
    outcomes = _outcomes(report)
    assert outcomes["start app"] == "done"
    assert all(o == "done-earlier" for name, o in outcomes.items() if name != "start app"), outcomes
    # Host stages are re-read, not trusted: each resource's status said up.
    ip = report.stage("start ip").results[0]
    assert ip.outcome == "skipped" and ip.message.startswith("done earlier; re-checked: up"), ip
    assert any("ip" in e.argv and "status" in e.argv for e in report.stage("start ip").commands)
    assert scene.actions(since) == []
    assert not scene.checkpoint_file.exists()


def test_a_skipped_host_stage_whose_resource_is_down_runs_again(
    interrupted: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    scene = interrupted
    stopped = scene.array.run("symsim-host", "ip", "del", "10.9.0.5", "lan0")
    assert stopped.returncode == 0, stopped.stderr
    scene.flag.touch()
    caplog.set_level(logging.INFO, logger="clonepilot")

    report = scene.refresh()

    assert report.ok, report.summary()
    line = _log(caplog, "was done by the interrupted refresh")
    assert "start ip" in line and "ip#1 is down" in line, line
    outcomes = _outcomes(report)
    assert outcomes["start ip"] == "done"
    assert any("add" in e.argv for e in report.stage("start ip").commands if e.changes_state)
    assert outcomes["start disk"] == outcomes["start fs"] == outcomes["wait_copied"] == "done-earlier"
    assert scene.array.run("symsim-host", "ip", "status", "10.9.0.5", "lan0").returncode == 0


# --- another world: start over, saying why ----------------------------------------------------------


def test_pairs_changed_by_hand_make_the_rerun_start_over(
    interrupted: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    scene = interrupted
    _next_second()
    scene.symclone("00102 00112\n", "recreate", "-precopy")
    since = time.time()
    caplog.set_level(logging.INFO, logger="clonepilot")

    report = scene.refresh()

    line = _log(caplog, "starting the refresh over")
    assert "does not hold: sync#2: pairs now PreCopy" in line, line
    assert "but the interrupted refresh left them Copied/activated" in line, line
    assert "sync#1" not in line  # it still shows what the refresh left
    # Started over: the down check runs and finds what the interrupted run had started.
    assert report.error_type == "ServiceNotDown", report.summary()
    assert _outcomes(report)["check_down"] == "failed"
    assert scene.actions(since) == []


def test_a_reinitialised_array_makes_the_rerun_start_over_and_refresh_the_new_world(
    interrupted: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    scene = interrupted
    array = scene.array
    # A new world under the same names: the array and the host set up again from scratch.
    for name in ("state.json", "host.json"):
        (array.home / name).unlink()
    array.admin("init", DEFAULT_SID, "--devs", DEFAULT_DEVS, "--size-gb", "1")
    array.admin("speed", "--tracks-per-sec", "81920", "--op-time", "0.2")
    register_vgs(array)
    _next_second()
    for pairs in ("00100 00110\n00101 00111\n", "00102 00112\n"):
        scene.symclone(pairs, "create", "-diff", "-precopy")
        scene.symclone(pairs, "activate")
    scene.flag.touch()
    since = time.time()
    caplog.set_level(logging.INFO, logger="clonepilot")

    report = scene.refresh()

    line = _log(caplog, "starting the refresh over")
    assert "sync#1: pairs now " in line and "sync#2: pairs now " in line, line
    assert "but the interrupted refresh left them Copied/activated" in line, line
    # The whole refresh, in the new world: recreated, activated, started.
    assert report.ok, report.summary()
    assert set(_outcomes(report).values()) == {"done"}, _outcomes(report)
    assert scene.actions(since).count("recreate") == 2
    assert db_status(array) == 0


@pytest.mark.parametrize("change", ["service file", "stop since", "restart", "window", "old format"])
def test_other_reasons_to_start_over_are_logged(
    interrupted: Scene, caplog: pytest.LogCaptureFixture, change: str
) -> None:
    scene = interrupted
    settings: dict[str, object] = {}
    expected = {
        "service file": "is not the one it ran with",
        "stop since": "a stop of the service ran at",
        "restart": "restart asked: the checkpoint in",
        "window": "more than resume_window (0.001 s)",
        "old format": "it is of another format (clonepilot-checkpoint/1",
    }[change]
    if change == "service file":
        scene.service = scene.write(stop="/bin/rm -f")
    elif change == "stop since":
        assert scene.run("stop").ok
    elif change == "window":
        settings["resume_window"] = 0.001
    elif change == "old format":
        old = json.loads(scene.checkpoint_file.read_text())
        scene.checkpoint_file.write_text(
            json.dumps({k: old[k] for k in ("action", "plan", "started", "done")})
        )
    caplog.set_level(logging.INFO, logger="clonepilot")

    report = scene.refresh(restart=change == "restart", **settings)

    assert expected in _log(caplog, "starting the refresh over"), change
    outcomes = _outcomes(report)
    assert "done-earlier" not in outcomes.values(), outcomes
    if change == "stop since":
        # Everything was stopped: the fresh refresh passes its down check and runs to app#2 again.
        assert outcomes["check_down"] == "done" and outcomes["recreate"] == "done", report.summary()
    else:
        # The interrupted run's resources are still up: started over, the down check refuses.
        assert report.error_type == "ServiceNotDown", report.summary()


def test_a_stop_marks_the_checkpoint_and_says_so(
    interrupted: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    scene = interrupted
    caplog.set_level(logging.INFO, logger="clonepilot")
    assert scene.run("stop").ok
    assert "no longer holds: this stop changes the service" in _log(caplog, "no longer holds")
    mark = json.loads(scene.checkpoint_file.read_text())["invalidated"]
    assert mark["action"] == "stop"


# --- the comparison itself ------------------------------------------------------------------------


def _set(state: str, when: str | None, *pairs: tuple[str, str]) -> dict[str, object]:
    return {"symid": DEFAULT_SID, "pairs": [[s, t, state, when] for s, t in pairs or [("00100", "00110")]]}


# Days long past: the messages show them with their date.
T1, T2 = "2026-01-05T06:58:03", "2026-01-05T07:02:11"


@pytest.mark.parametrize(
    ("then", "now", "step", "held"),
    [
        (("Copied", T1), ("Copied", T1), None, True),
        (("CopyInProg", T1), ("Copied", T1), None, True),  # the array finished the copy by itself
        (("PreCopy", T1), ("PreCopy", T1), None, True),
        (("PreCopy", T1), ("Copied", T2), "activate", True),  # the interrupted activate got through
        (("PreCopy", T1), ("Copied", T2), None, False),  # activated by someone else
        (("Copied", T1), ("Copied", T2), None, False),  # recreated and activated again
        (("CopyInProg", T1), ("Copied", T2), "wait_copied", False),
        (("Copied", T1), ("NoSession", None), None, False),
        (("Copied", T1), ("PreCopy", T2), "activate", False),
    ],
)
def test_what_the_array_may_show_for_a_resume(
    then: tuple[str, str | None], now: tuple[str, str | None], step: str | None, held: bool
) -> None:
    difference = clone_set_differences("sync#1", _set(*then), _set(*now), step)
    assert (difference == "") is held, difference


def test_a_difference_names_the_rid_the_pairs_and_both_states() -> None:
    pairs = (("00100", "00110"), ("00101", "00111"))
    then = _set("PreCopy", T1, *pairs)
    now = {
        "symid": DEFAULT_SID,
        "pairs": [["00100", "00110", "Copied", T2], ["00101", "00111", "PreCopy", T1]],
    }
    assert clone_set_differences("sync#1", then, now, None) == (
        "sync#1: pairs 00100:00110 now Copied/activated 2026-01-05 07:02:11 but the interrupted refresh "
        "left them PreCopy (last action 2026-01-05 06:58:03)"
    )
    every = clone_set_differences("sync#1", then, _set("Copied", T2, *pairs), None)
    assert every.startswith("sync#1: pairs now Copied/activated 2026-01-05 07:02:11 but"), every
    gone = clone_set_differences("sync#1", then, {"error": "symdev list failed"}, None)
    assert gone == "sync#1: cannot read its pairs now (symdev list failed)"


# --- what is recorded, per form -------------------------------------------------------------------

DG_SECTION = "[sync#1]\ntype = symclone\nsymdg = DGCVI\npairs = DEV001:CLONE001 DEV002:CLONE002\n"


def test_a_device_group_clone_set_is_recorded_with_its_action_times(
    group: str, make_service: MakeService, make_ctx: MakeCtx, symsim_array: SymsimArray
) -> None:
    symsim_array.admin("speed", "--tracks-per-sec", "81920")
    service = make_service(DG_SECTION)
    for action in ("provision", "sync_break"):
        with make_ctx(service) as ctx:
            assert execute(ctx, runbook(service, action), action=action).ok
    with make_ctx(service) as ctx:
        recorded = read_clone_set(ctx, service.syncs[0], stage="test")
    # The group's query has no time: the symdev list of its targets gave it.
    assert recorded["symid"] == DEFAULT_SID
    assert [(p[0], p[1], p[2]) for p in recorded["pairs"]] == [
        ("DEV001", "CLONE001", "Copied"),
        ("DEV002", "CLONE002", "Copied"),
    ]
    assert all(p[3] for p in recorded["pairs"]), recorded
    assert clone_set_differences("sync#1", recorded, recorded, None) == ""
