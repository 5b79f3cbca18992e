"""Refreshes triggered on a real Prefect server, run by a real process worker, over real SSH on symsim.

The module shares one server (session), one deployment of the checkout's prefect.yaml and one worker
(module). Tests run in file order and each leaves the services in a state the next can start from:
demo (the seed's example: data, archive logs, ip, vgs, filesystems, the database) is up after the
first test; ca and cb (one clone pair each, no host resource) can always be refreshed again.

Latencies are measured from just before the trigger (the CLI's start-up included) to the first
REST poll (every 50 ms) that sees RUNNING, and then a final state; `pytest -s` shows them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.cli.conftest import CLONEPILOT
from tests.e2e.conftest import (
    ARRAY_CONCURRENCY,
    Deployed,
    Timing,
    assert_one_ran_one_refused,
    explain,
    overlap,
    report,
    when,
)
from tests.plugins.symsim import DEFAULT_SID

REFRESH = "refresh/on-demand"
ARRAY_LIMIT = f"clonepilot-array-{DEFAULT_SID}"


def _summary(env: Deployed, t: Timing) -> str:
    """The run's summary artifact (markdown), as the UI shows it."""
    texts = [a["data"] for a in env.artifacts(t.run_id) if (a.get("key") or "").endswith("-summary")]
    assert len(texts) == 1, env.artifacts(t.run_id)
    return str(texts[0])


def test_refresh_triggered_from_the_cli_runs_on_the_worker_and_starts_the_database(
    deployed: Deployed,
) -> None:
    env, demo = deployed, deployed.services["demo"]
    assert env.host("db", "status", "ORA").returncode != 0  # down before: the refresh starts it
    since = time.time()

    t = env.trigger_cli(REFRESH, service=demo)
    env.wait(t)

    report("CLI `prefect deployment run refresh/on-demand`", t)
    assert t.state == "COMPLETED", explain(env, t)
    assert t.run["name"] == f"refresh {demo}"
    assert t.run["parameters"]["service"] == demo
    summary = _summary(env, t)
    assert f"refresh of {demo}: ok" in summary, summary
    assert env.host("db", "status", "ORA").returncode == 0
    # Both clone sets were really recreated and activated on the array.
    assert len(env.symclone_calls(demo, "recreate", since)) == 2
    assert len(env.symclone_calls(demo, "activate", since)) == 2


def test_refresh_triggered_by_a_plain_rest_post_stops_and_restarts_the_service(deployed: Deployed) -> None:
    env, demo = deployed, deployed.services["demo"]
    assert env.host("db", "status", "ORA").returncode == 0  # up, left so by the test above
    since = time.time()

    t = env.trigger_rest(REFRESH, {"service": demo, "stop_first": True})
    env.wait(t)

    report("REST POST /api/deployments/{id}/create_flow_run", t)
    assert t.state == "COMPLETED", explain(env, t)
    assert t.run["parameters"] == {**t.run["parameters"], "service": demo, "stop_first": True}
    assert f"refresh of {demo}: ok" in _summary(env, t)
    assert env.host("db", "status", "ORA").returncode == 0
    db_calls = [
        c["argv"][1:3]
        for c in env.calls()
        if c["start"] >= since and c["tool"] == "symsim-host" and c["argv"][1:2] == ["db"]
    ]
    assert ["db", "stop"] in db_calls and db_calls.index(["db", "stop"]) < db_calls.index(["db", "start"])
    assert len(env.symclone_calls(demo, "recreate", since)) == 2


def test_same_service_twice_at_once_one_runs_the_other_is_refused_naming_it_another_service_runs_alongside(
    deployed: Deployed,
) -> None:
    env, ca, cb = deployed, deployed.services["ca"], deployed.services["cb"]
    # The first two recreates (ca's winner and cb) wait 20 s: the winner holds ca's guard far longer
    # than a loaded worker takes to start the second run (15 s seen once with a 2 s op-time only).
    env.admin("fault", "add", "symclone:recreate", "none", "--delay", "20", "--times", "2")
    try:
        since = time.time()
        first = env.trigger_rest(REFRESH, {"service": ca})
        second = env.trigger_rest(REFRESH, {"service": ca})
        other = env.trigger_rest(REFRESH, {"service": cb})
        env.wait(first, second, other)
    finally:
        env.admin("fault", "clear")

    for label, t in (("ca #1", first), ("ca #2", second), ("cb", other)):
        report(f"REST, three at once, {label}", t)
    winner = assert_one_ran_one_refused(env, ca, first, second, since)
    # Another service is not held back by ca's guard: both refreshes ran at the same time.
    assert other.state == "COMPLETED", explain(env, other)
    assert overlap(winner.run, other.run), (winner.run, other.run)


def test_same_service_twice_with_wait_the_second_waits_then_runs(deployed: Deployed) -> None:
    env, ca = deployed, deployed.services["ca"]
    wait = {"env": {"CLONEPILOT_SERVICE_CONCURRENCY": "wait"}}  # this run's setting, via job variables
    # The holder's recreate waits 20 s: the other run starts while it holds the guard, however
    # slowly a loaded worker starts it.
    env.admin("fault", "add", "symclone:recreate", "none", "--delay", "20", "--times", "1")
    try:
        since = time.time()
        first = env.trigger_rest(REFRESH, {"service": ca}, job_variables=wait)
        second = env.trigger_rest(REFRESH, {"service": ca}, job_variables=wait)
        env.wait(first, second)
    finally:
        env.admin("fault", "clear")

    for label, t in (("#1", first), ("#2", second)):
        report(f"REST, wait mode, ca {label}", t)
    assert (first.state, second.state) == ("COMPLETED", "COMPLETED"), explain(env, first, second)
    waited = [t for t in (first, second) if any("waits for" in line for line in env.logs(t.run_id))]
    assert len(waited) == 1, explain(env, first, second)
    waiter = waited[0]
    holder = second if waiter is first else first
    assert any(f"(flow run {holder.run_id}" in line for line in env.logs(waiter.run_id))
    # It was running (waiting) while the other ran, and changed nothing until the other ended.
    assert when(waiter.run, "start_time") < when(holder.run, "end_time")
    recreates = env.symclone_calls(ca, "recreate", since)
    activates = env.symclone_calls(ca, "activate", since)
    assert len(recreates) == 2 and len(activates) == 2
    assert activates[0]["end"] < recreates[1]["start"]  # the holder's last change, then the waiter's first


def test_a_terminal_run_on_a_temporary_server_and_a_worker_run_meet_on_the_run_lock(
    deployed: Deployed, tmp_path: Path
) -> None:
    """Two Prefect servers that know nothing of each other: only the run lock on the symcli node."""
    env, ca = deployed, deployed.services["ca"]
    # The first recreate waits 30 s: the winner holds the lock while the other one (a terminal
    # starting its temporary server, or a worker starting its run) reaches it.
    env.admin("fault", "add", "symclone:recreate", "none", "--delay", "30", "--times", "1")
    try:
        since = time.time()
        terminal = subprocess.Popen(
            [str(CLONEPILOT), "-s", ca, "refresh"],
            env=env.terminal_env(tmp_path / "prefect-home"),
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        worker = env.trigger_rest(REFRESH, {"service": ca})
        out, _ = terminal.communicate(timeout=300)
        env.wait(worker, timeout=300)
    finally:
        env.admin("fault", "clear")

    report("REST refresh beside a terminal refresh on a temporary server", worker)
    assert len(env.symclone_calls(ca, "recreate", since)) == 1, out + explain(env, worker)
    if terminal.returncode == 0:
        assert worker.state == "FAILED", explain(env, worker)
        assert f"refresh of {ca} refused: 'refresh {ca}' (flow run " in worker.message, worker.message
        assert f"pid {terminal.pid} on " in worker.message, worker.message
    else:
        assert worker.state == "COMPLETED", out + explain(env, worker)
        assert f"refresh of {ca} refused: 'refresh {ca}' (flow run {worker.run_id}, pid " in out, out


def test_cancel_in_the_ui_stops_a_worker_run_cleanly_and_the_rerun_resumes(deployed: Deployed) -> None:
    env, ca = deployed, deployed.services["ca"]
    # The recreate's copy stalls at 50 %: the run is waiting for its precopy when cancelled.
    env.admin("fault", "add", "symclone:recreate", "none", "--stall-at", "50", "--times", "1")
    try:
        since = time.time()
        t = env.trigger_rest(REFRESH, {"service": ca})
        env.wait_for_log(t, "waiting for")
        cancelled = time.monotonic()
        env.server.api("POST", f"/flow_runs/{t.run_id}/set_state", {"state": {"type": "CANCELLING"}})
        env.wait(t, timeout=60)
        took = time.monotonic() - cancelled
    finally:
        env.admin("fault", "clear")
    report("REST refresh cancelled in the UI while waiting for its precopy", t)
    print(f"cancel to final state: {took:.1f} s")
    assert t.state == "CANCELLED", explain(env, t)
    assert "stopped (" in t.message and "run it again to resume" in t.message, t.message
    assert not (env.root / "locks" / f"service-{ca}").exists()  # the lock given back
    assert env.limit(f"clonepilot-service-{ca}")["active_slots"] == 0
    recreated = len(env.symclone_calls(ca, "recreate", since))

    again = env.trigger_rest(REFRESH, {"service": ca})
    env.wait(again)
    assert again.state == "COMPLETED", explain(env, again)
    # The rerun carried on from the array's state: the cancelled run's recreate was not repeated.
    assert len(env.symclone_calls(ca, "recreate", since)) == recreated == 1


def test_a_worker_run_killed_outright_does_not_block_the_rerun(deployed: Deployed) -> None:
    env, ca = deployed, deployed.services["ca"]
    env.admin("fault", "add", "symclone:recreate", "none", "--stall-at", "50", "--times", "1")
    record = env.root / "locks" / f"service-{ca}" / "holder.json"
    try:
        since = time.time()
        t = env.trigger_rest(REFRESH, {"service": ca})
        env.wait_for_log(t, "waiting for")
        holder = json.loads(record.read_text())
        assert holder["flow_run_id"] == t.run_id
        os.kill(holder["pid"], signal.SIGKILL)  # the flow run's own process, as the OOM killer would
        env.wait(t, timeout=60)
    finally:
        env.admin("fault", "clear")
    assert t.state == "CRASHED", explain(env, t)
    assert record.exists()  # a kill cannot give the lock back

    again = env.trigger_rest(REFRESH, {"service": ca})
    env.wait(again)
    assert again.state == "COMPLETED", explain(env, again)
    logs = env.logs(again.run_id)
    assert any("took over the run lock" in line and "is gone" in line for line in logs), logs
    assert len(env.symclone_calls(ca, "recreate", since)) == 1  # carried on from the array's state
    assert not record.exists()
    # The killed run's slots were given back by the rerun, not left to their lease's expiry.
    assert any("gave back the Prefect slots of the dead run's lease" in line for line in logs), logs
    assert env.limit(ARRAY_LIMIT)["active_slots"] == 0


def test_array_cap_holds_changing_runs_and_dry_runs_take_no_limit(deployed: Deployed) -> None:
    env, ca, cb = deployed, deployed.services["ca"], deployed.services["cb"]
    server = env.server
    # Both limits were created by the runs, on a server that had neither before them.
    service_limit = f"clonepilot-service-{ca}"
    assert env.limits_before_first_run == {ARRAY_LIMIT: 404, service_limit: 404}
    array = env.limit(ARRAY_LIMIT)
    assert (array["limit"], array["active"], array["active_slots"]) == (ARRAY_CONCURRENCY, True, 0)
    assert (env.limit(service_limit)["limit"], env.limit(service_limit)["active_slots"]) == (1, 0)

    # Someone else holds every slot of the array and ca's slot (plain REST, 60 s leases).
    def hold(name: str, slots: int) -> str:
        body = {"names": [name], "slots": slots, "mode": "concurrency", "lease_duration": 60}
        return str(server.api("POST", "/v2/concurrency_limits/increment-with-lease", body)["lease_id"])

    leases = [hold(ARRAY_LIMIT, ARRAY_CONCURRENCY), hold(service_limit, 1)]
    try:
        since = time.time()
        real = env.trigger_rest(REFRESH, {"service": cb})
        dry = env.trigger_rest(REFRESH, {"service": ca, "dry_run": True})
        env.wait(dry)
        report("REST, dry-run refresh while every slot is held", dry)
        assert dry.state == "COMPLETED", explain(env, dry)
        assert f"refresh of {ca} (dry run): ok" in _summary(env, dry)
        # The real refresh of cb is running, waiting for a slot of the array before changing anything.
        deadline = time.monotonic() + 60
        while not any(f"waiting for a slot of {ARRAY_LIMIT}" in line for line in env.logs(real.run_id)):
            assert time.monotonic() < deadline, explain(env, real)
            time.sleep(0.2)
        time.sleep(1.0)
        assert env.flow_run(real.run_id)["state"]["type"] == "RUNNING"
        assert env.symclone_calls(cb, "recreate", since) == []
    finally:
        released = time.time()
        for lease in leases:
            server.api("POST", "/v2/concurrency_limits/decrement-with-lease", {"lease_id": lease})
    env.wait(real)
    report("REST, refresh held by the array cap (includes the hold)", real)
    assert real.state == "COMPLETED", explain(env, real)
    recreates = env.symclone_calls(cb, "recreate", since)
    assert len(recreates) == 1 and recreates[0]["start"] >= released
    # Every slot taken by the runs of this module was given back.
    for name in (ARRAY_LIMIT, service_limit, f"clonepilot-service-{cb}"):
        assert env.limit(name)["active_slots"] == 0, env.limit(name)


def test_refresh_asked_to_wait_for_approval_pauses_with_its_plan_and_runs_once_resumed_over_rest(
    deployed: Deployed,
) -> None:
    env, ca = deployed, deployed.services["ca"]
    since = time.time()
    t = env.trigger_rest(REFRESH, {"service": ca, "approval": True})

    # The UI lists it as Paused; its Resume form carries the plan (a flow run input, read as the UI does).
    deadline = time.monotonic() + 120
    while (run := env.flow_run(t.run_id))["state"]["type"] != "PAUSED":
        assert run["state"]["type"] not in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"), explain(env, t)
        assert time.monotonic() < deadline, explain(env, t)
        time.sleep(0.1)
    paused_after = time.monotonic() - t.t0
    keyset = run["state"]["state_details"]["run_input_keyset"]
    plan = str(env.server.api("GET", f"/flow_runs/{t.run_id}/input/{keyset['description']}"))
    assert f"## Approve the refresh of {ca}?" in plan, plan
    user = env.worker_env["CLONEPILOT_SSH_USER"]
    assert f"/var/tmp/clonepilot-{user}/{ca}.sync-1.pairs -noprompt recreate" in plan, plan
    assert env.symclone_calls(ca, "recreate", since) == []  # nothing changed while it waits

    resumed = time.time()
    env.server.api(
        "POST", f"/flow_runs/{t.run_id}/resume", {"run_input": {"approve": True, "comment": "e2e"}}
    )
    env.wait(t)
    print(
        f"\n[latency] REST trigger -> PAUSED for approval {paused_after:.2f} s,"
        f" -> {t.state} {t.final:.2f} s (resumed in between)"
    )
    assert t.state == "COMPLETED", explain(env, t)
    assert any(f"refresh of {ca} approved (e2e)" in line for line in env.logs(t.run_id))
    recreates = env.symclone_calls(ca, "recreate", since)
    assert len(recreates) == 1 and recreates[0]["start"] >= resumed
