"""`checkpoint_store = prefect`: an unfinished refresh leaves its checkpoint on the Prefect server.

A rerun reads it from there, wherever it runs (another worker, another host), and carries on from
the stage that failed instead of recreating the clones again.
"""

from __future__ import annotations

import pytest
from prefect.variables import Variable

from flows.checkpoints import variable_name
from tests.flows.conftest import FlowEnv, run_flow, state_changing, sync_only_text
from tests.flows.test_copies import establish, failure, pair_list, pairs_keyword
from tests.plugins.symsim import DEFAULT_SID


def test_variable_names_are_valid_and_distinct() -> None:
    assert variable_name("demo", "refresh") == "clonepilot-checkpoint-demo-refresh"
    odd = variable_name("Prod.DB", "refresh")
    assert (
        odd.startswith("clonepilot-checkpoint-prod-db-refresh-")
        and len(odd) == len("clonepilot-checkpoint-prod-db-refresh-") + 8
    )
    assert odd != variable_name("prod-db", "refresh") != variable_name("prod.db", "refresh")


def test_rerun_after_a_failed_start_resumes_from_the_prefect_variable(
    flow_env: FlowEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = flow_env
    monkeypatch.setenv("CLONEPILOT_CHECKPOINT_STORE", "prefect")
    pairs = pair_list(range(0x100, 0x102), 0x10)
    establish(env, DEFAULT_SID, pairs)
    # The application starts only once the flag exists: the first refresh fails at its start.
    flag = env.home.parent / "app-may-start"
    app = f"\n[app#1]\nstart = test -e {flag}\nstop = /bin/true\ncheck = test -e {flag}\ntimeout = 30\n"
    name = env.write_service(sync_only_text(env.sshd, [(DEFAULT_SID, pairs_keyword(pairs))]) + app, "ckpt")
    variable = variable_name(name, "refresh")
    env.clear_calls()

    first = run_flow("refresh", name)
    assert not first.ok and "app#1" in failure(first), failure(first)
    recreates = [c for c in state_changing(env.calls()) if "recreate" in c["argv"]]
    assert len(recreates) == 1, recreates
    saved = Variable.get(variable)
    assert isinstance(saved, dict) and saved["action"] == "refresh", saved
    assert any("recreate" in stage for stage in saved["done"]), saved
    assert not list((env.home.parent / "state").glob("*.checkpoint.json"))  # not a local file

    flag.touch()
    second = run_flow("refresh", name)
    assert second.ok, failure(second)
    outcomes = {s["name"]: s["outcome"] for s in second.result["stages"]}
    assert [n for n, o in outcomes.items() if o == "done-earlier"] == saved["done"], outcomes
    # The clones were recreated once, by the first run; the rerun only finished the start.
    recreates = [c for c in state_changing(env.calls()) if "recreate" in c["argv"]]
    assert len(recreates) == 1, recreates
    assert Variable.get(variable) is None  # finished: nothing left to resume
