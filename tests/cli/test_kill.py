"""A terminal refresh stopped mid-copy, on Prefect's temporary server: nothing left behind.

SIGKILL: the killed process's temporary server dies with it; its run lock stays on the symcli node
(a kill cannot release it) and the rerun takes it over at once (the holder's process is gone),
marks the killed flow run Crashed in the temporary server's database, and completes.
SIGTERM / SIGINT: the run stops within seconds, gives its lock back, says where it stopped; the
rerun resumes. A second signal stops at once, even during a long command.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli.conftest import CLONEPILOT, CliEnv
from tests.cli.test_cli_readonly import engine
from tests.polling import wait_for


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _running(pid: int, word: str) -> bool:
    """Whether a descendant of pid runs a command line holding `word`."""
    try:
        children = _children(pid)
    except OSError:
        return False
    for child in children:
        try:
            if word in Path(f"/proc/{child}/cmdline").read_text().split("\0"):
                return True
        except OSError:
            continue
        if _running(child, word):
            return True
    return False


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def test_a_killed_terminal_refresh_leaves_no_server_and_the_rerun_takes_over(cli_env: CliEnv) -> None:
    cli = cli_env
    cli.array.admin("speed", "--tracks-per-sec", str(8192 * 20))
    for action in ("provision", "start", "stop"):
        engine(cli, action)
    # Slow copies: the refresh is still waiting for its precopy when it is killed.
    cli.array.admin("speed", "--tracks-per-sec", "64")
    cli.array.admin("calls", "--clear")
    home = cli.root / "prefect-home"
    env = {k: v for k, v in cli.env.items() if k != "PREFECT_API_URL" and not k.startswith("PREFECT_LOGGING")}
    env["PREFECT_HOME"] = str(home)
    argv = [str(CLONEPILOT), "-q", "-s", cli.service, "refresh"]
    first = subprocess.Popen(
        argv, env=env, cwd=cli.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        wait_for("the recreate", lambda: any("recreate" in c["argv"] for c in cli.calls()))
        servers = [c for c in _children(first.pid) if "uvicorn" in Path(f"/proc/{c}/cmdline").read_text()]
        assert len(servers) == 1, _children(first.pid)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    wait_for("the temporary server to end with its parent", lambda: not _alive(servers[0]), timeout=30)

    lock = cli.root / "locks"
    record = json.loads((lock / f"service-{cli.service}" / "holder.json").read_text())
    assert record["pid"] == first.pid and record["flow_run_id"]

    cli.array.admin("speed", "--tracks-per-sec", str(8192 * 20))
    done = subprocess.run(argv, env=env, cwd=cli.root, capture_output=True, text=True, timeout=300)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    took = [line for line in out.splitlines() if "took over the run lock" in line]
    assert len(took) == 1 and f"service-{cli.service}, device-" in took[0], out
    assert f"process {first.pid} on " in took[0] and "is gone" in took[0], took
    assert f"refresh of {cli.service}: ok" in out, out
    assert "ERROR" not in out, out
    # Every change after the kill was the rerun's resumption: no second recreate.
    recreates = [c for c in cli.calls() if "recreate" in c["argv"]]
    assert len(recreates) == 2, recreates  # one per sync resource, both by the killed run
    with sqlite3.connect(home / "prefect.db") as db:
        (state,) = db.execute(
            "SELECT state_type FROM flow_run WHERE id = ?", (record["flow_run_id"],)
        ).fetchone()
        slots = db.execute(
            "SELECT name, active_slots FROM concurrency_limit_v2 WHERE name LIKE 'clonepilot-%'"
        ).fetchall()
    assert state == "CRASHED"
    assert slots and all(active == 0 for _, active in slots), slots  # the killed run's slots given back
    assert list(lock.iterdir()) == []


def _start_refresh(cli: CliEnv) -> tuple[list[str], dict[str, str], subprocess.Popen[str]]:
    cli.array.admin("speed", "--tracks-per-sec", str(8192 * 20))
    for action in ("provision", "start", "stop"):
        engine(cli, action)
    cli.array.admin("speed", "--tracks-per-sec", "64")
    cli.array.admin("calls", "--clear")
    env = {k: v for k, v in cli.env.items() if k != "PREFECT_API_URL" and not k.startswith("PREFECT_LOGGING")}
    env["PREFECT_HOME"] = str(cli.root / "prefect-home")
    argv = [str(CLONEPILOT), "-q", "-s", cli.service, "refresh"]
    proc = subprocess.Popen(
        argv, env=env, cwd=cli.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    return argv, env, proc


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_the_refresh_within_seconds_and_the_rerun_resumes(
    cli_env: CliEnv, sig: signal.Signals, code: int
) -> None:
    cli = cli_env
    argv, env, proc = _start_refresh(cli)
    try:
        # In the wait for the precopy: both recreates done, polls going on.
        wait_for(
            "the wait",
            lambda: (
                len([c for c in cli.calls() if "recreate" in c["argv"]]) == 2
                and any("query" in c["argv"] or "list" in c["argv"] for c in cli.calls()[-2:])
            ),
        )
        sent = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, out + err
    assert took < 10, took
    assert f"refresh of {cli.service} stopped: " in err and f"{sig.name} received" in err, err
    assert "run it again to resume" in err, err
    lock = cli.root / "locks"
    assert list(lock.iterdir()) == []  # given back
    changes_after = [c for c in cli.calls() if c["start"] >= time.time() - took and "recreate" in c["argv"]]
    assert changes_after == []

    cli.array.admin("speed", "--tracks-per-sec", str(8192 * 20))
    done = subprocess.run(argv, env=env, cwd=cli.root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"refresh of {cli.service}: ok" in done.stdout, done.stdout
    assert len([c for c in cli.calls() if "recreate" in c["argv"]]) == 2  # resumed: not recreated again


def test_a_second_signal_stops_at_once_during_a_long_command(cli_env: CliEnv) -> None:
    cli = cli_env
    # The first recreate runs 60 s: a first SIGTERM lets it finish, a second one does not wait.
    cli.array.admin("fault", "add", "symclone:recreate", "none", "--delay", "60", "--times", "1")
    _, _, proc = _start_refresh(cli)
    try:
        wait_for("the recreate to start", lambda: _running(proc.pid, "recreate"))
        proc.send_signal(signal.SIGTERM)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(3)  # the first one waits for the command running
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143
    assert took < 10, took
    err = proc.stderr.read() if proc.stderr else ""
    assert "SIGTERM received again: stopping at once" in err, err
