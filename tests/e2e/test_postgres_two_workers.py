"""The checkout's deployments on a Prefect server backed by PostgreSQL, run by two workers of one pool.

The production layout of the README ("Production: PostgreSQL and several workers") on one machine: a
throwaway PostgreSQL cluster on 127.0.0.1 (the `postgres` fixture), `prefect server start` keeping
its data there, and two process workers, each started with `--limit 1` so that runs triggered
together spread over both. Refreshes of different services run on either worker; the per-service
and per-array concurrency limits, kept by the server, hold across the workers.

Tests run in file order and share the module's deployment: every refresh leaves its service ready
to be refreshed again. Latencies are measured as in test_prefect_server.py; `pytest -s` shows them
with the worker that ran each run.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import (
    ARRAY_CONCURRENCY,
    CA_PAIRS,
    CB_PAIRS,
    Deployed,
    SyncServices,
    Timing,
    assert_one_ran_one_refused,
    deploy,
    explain,
    overlap,
    report,
    when,
)
from tests.plugins.postgres import Postgres, listening_addresses
from tests.plugins.prefect_server import HOST, PrefectServer
from tests.plugins.sshd import SSHServer
from tests.plugins.symsim import DEFAULT_SID

# Set-up (PostgreSQL, the server's migrations, two workers) and runs queued behind each other on a
# busy 2-core machine: more than the suite's 300 s default per test.
pytestmark = pytest.mark.timeout(900)

REFRESH = "refresh/on-demand"
OTHER_SID = "000197900456"  # a second array, for the per-array cap of 1
SYNCS: SyncServices = {
    "ca": (DEFAULT_SID, CA_PAIRS),
    "cb": (DEFAULT_SID, CB_PAIRS),
    "cc": (DEFAULT_SID, [("00122", "00132")]),
    "cd": (DEFAULT_SID, [("00123", "00133")]),
    "xa": (OTHER_SID, [("00120", "00130")]),
    "xb": (OTHER_SID, [("00121", "00131")]),
}
WAIT_TIMEOUT = 300.0  # runs wait for a free worker (one run each at a time) on a shared machine
CHANGING = ("recreate", "activate")


@pytest.fixture(scope="module")
def two_workers(
    postgres: Postgres,
    prefect_server_postgres: PrefectServer,
    sshd: SSHServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployed]:
    root = tmp_path_factory.mktemp("e2e-postgres")
    with deploy(prefect_server_postgres, sshd, root, workers=2, worker_limit=1, syncs=SYNCS) as env:
        yield env


@contextlib.contextmanager
def _slow_control_actions(env: Deployed) -> Iterator[None]:
    """Each recreate and activate takes 2 s (symsim's op-time), so that runs triggered together overlap."""
    env.admin("speed", "--op-time", "2.0")
    try:
        yield
    finally:
        env.admin("speed", "--op-time", "0.2")


def _changing_calls(env: Deployed, service: str, since: float) -> list[dict[str, Any]]:
    return sorted(
        (c for action in CHANGING for c in env.symclone_calls(service, action, since)),
        key=lambda c: c["start"],
    )


def _report_on(env: Deployed, label: str, t: Timing) -> str:
    worker = env.ran_on(t.run_id)
    report(f"{label} on {worker} (infrastructure_pid {t.run.get('infrastructure_pid')})", t)
    return worker


def test_the_server_keeps_its_data_in_postgresql_on_loopback_and_both_workers_poll_the_pool(
    two_workers: Deployed, postgres: Postgres
) -> None:
    env = two_workers
    # PostgreSQL listens on 127.0.0.1 only (IPv4 and IPv6 tables of the kernel).
    assert listening_addresses(postgres.port) == {HOST}
    # The deployments `prefect deploy` created are rows of the PostgreSQL database.
    names = postgres.psql("SELECT name FROM deployment ORDER BY name", database=postgres.database)
    assert "on-demand" in names, names
    pool = env.worker.pool
    seen = {w["name"] for w in env.server.api("POST", f"/work_pools/{pool}/workers/filter", {})}
    assert seen == {w.name for w in env.workers} == {f"{pool}-1", f"{pool}-2"}, seen


def test_refreshes_of_four_services_triggered_at_once_complete_on_both_workers(two_workers: Deployed) -> None:
    env = two_workers
    roles = ["ca", "cb", "cc", "cd"]
    since = time.time()
    timings = {role: env.trigger_rest(REFRESH, {"service": env.services[role]}) for role in roles}
    env.wait(*timings.values(), timeout=WAIT_TIMEOUT)

    ran_on = {role: _report_on(env, f"REST, four at once, {role}", t) for role, t in timings.items()}
    for role, t in timings.items():
        assert t.state == "COMPLETED", explain(env, t)
        service = env.services[role]
        assert len(env.symclone_calls(service, "recreate", since)) == 1
        assert len(env.symclone_calls(service, "activate", since)) == 1
    # Either worker ran some of them...
    assert set(ran_on.values()) == {w.name for w in env.workers}, ran_on
    # ...and each ran one at a time (`--limit 1`): its runs follow each other.
    for worker in set(ran_on.values()):
        mine = sorted(
            (timings[r].run for r in roles if ran_on[r] == worker), key=lambda r: when(r, "start_time")
        )
        for a, b in itertools.pairwise(mine):
            assert not overlap(a, b), (worker, a, b)


def test_same_service_twice_at_once_on_the_two_workers_one_runs_the_other_is_refused(
    two_workers: Deployed,
) -> None:
    env, ca = two_workers, two_workers.services["ca"]
    since = time.time()
    with _slow_control_actions(env):
        first = env.trigger_rest(REFRESH, {"service": ca})
        second = env.trigger_rest(REFRESH, {"service": ca})
        env.wait(first, second, timeout=WAIT_TIMEOUT)

    workers = {
        _report_on(env, f"REST, ca twice at once, {label}", t) for label, t in (("#1", first), ("#2", second))
    }
    # One run on each worker: the guard is the server's limit, not a worker's own bookkeeping.
    assert len(workers) == 2, workers
    assert_one_ran_one_refused(env, ca, first, second, since)


def test_array_cap_of_one_serialises_two_services_of_one_array_across_the_two_workers(
    two_workers: Deployed,
) -> None:
    env = two_workers
    xa, xb = env.services["xa"], env.services["xb"]
    array_limit = f"clonepilot-array-{OTHER_SID}"
    # This array's limit does not exist yet: the runs create it with their setting, 1.
    cap = {"env": {"CLONEPILOT_ARRAY_CONCURRENCY": "1"}}
    since = time.time()
    with _slow_control_actions(env):
        a = env.trigger_rest(REFRESH, {"service": xa}, job_variables=cap)
        b = env.trigger_rest(REFRESH, {"service": xb}, job_variables=cap)
        env.wait(a, b, timeout=WAIT_TIMEOUT)

    workers = {_report_on(env, f"REST, array cap 1, {label}", t) for label, t in (("xa", a), ("xb", b))}
    assert len(workers) == 2, workers
    assert (a.state, b.state) == ("COMPLETED", "COMPLETED"), explain(env, a, b)
    assert env.limit(array_limit)["limit"] == 1
    calls = {xa: _changing_calls(env, xa, since), xb: _changing_calls(env, xb, since)}
    assert [len(c) for c in calls.values()] == [2, 2], calls
    # No state-changing call of one service ran while one of the other did (symsim's own clock).
    for call_a in calls[xa]:
        for call_b in calls[xb]:
            assert call_a["end"] <= call_b["start"] or call_b["end"] <= call_a["start"], (call_a, call_b)
    # The two runs were running at the same time, one of them waiting for the array's only slot.
    assert overlap(a.run, b.run), (a.run, b.run)
    waited = [
        t
        for t in (a, b)
        if any(f"waiting for a slot of {array_limit}" in line for line in env.logs(t.run_id))
    ]
    assert len(waited) == 1, explain(env, a, b)


def test_the_limits_live_in_postgresql_and_every_slot_was_given_back(
    two_workers: Deployed, postgres: Postgres
) -> None:
    env = two_workers
    # Neither limit existed before the first run: the runs created them on this server.
    first_service = env.services[next(iter(SYNCS))]
    expected_before = {f"clonepilot-array-{DEFAULT_SID}": 404, f"clonepilot-service-{first_service}": 404}
    assert env.limits_before_first_run == expected_before
    expected = {f"clonepilot-array-{DEFAULT_SID}": ARRAY_CONCURRENCY, f"clonepilot-array-{OTHER_SID}": 1}
    expected.update({f"clonepilot-service-{env.services[role]}": 1 for role in SYNCS})
    for name, limit in expected.items():
        found = env.limit(name)
        assert (found["limit"], found["active"], found["active_slots"]) == (limit, True, 0), found
    # The same rows, read from PostgreSQL itself rather than through the API.
    rows = postgres.psql(
        "SELECT name || '=' || \"limit\" || '/' || active_slots FROM concurrency_limit_v2"
        " WHERE name LIKE 'clonepilot-%'",
        database=postgres.database,
    )
    for name, limit in expected.items():
        assert f"{name}={limit}/0" in rows, rows
