"""prefect.yaml: parses, every entrypoint is a flow of flows/actions.py, parameters fit the flows."""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect import Flow
from prefect.flows import load_flow_from_entrypoint
from prefect.utilities.templating import apply_values

from deployments.build import PULL_STEPS
from flows.actions import FLOWS

ROOT = Path(__file__).resolve().parents[2]
# The actions the issue lists: the seed's actions (flows/actions.py) and the two status reports
# (flows/fleet.py), which read only and so take no dry_run.
DECLARED = {"refresh", "sync-update", "sync-resync", "sync-break", "start", "stop", "status", "fleet-status"}
REPORTS = {"status", "fleet-status"}


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text())


@pytest.fixture(scope="module")
def flows(config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Flow[Any, Any]]:
    # Entrypoints are relative to the checkout, as `prefect deploy` reads them.
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        return {d["entrypoint"]: load_flow_from_entrypoint(d["entrypoint"]) for d in config["deployments"]}


def test_declares_one_deployment_per_existing_action_flow(
    config: dict[str, Any], flows: dict[str, Flow[Any, Any]]
) -> None:
    assert sorted(flow.name for flow in flows.values()) == sorted(DECLARED)
    names = {flow.name for flow in FLOWS.values()}
    assert names >= DECLARED - REPORTS
    for deployment in config["deployments"]:
        module = "flows/fleet.py:" if flows[deployment["entrypoint"]].name in REPORTS else "flows/actions.py:"
        assert deployment["entrypoint"].startswith(module)
        # Deployed as <flow>/on-demand; no schedule, so `prefect deploy` never asks for one.
        assert deployment["name"] == "on-demand"
        assert deployment["schedules"] == []


def test_parameters_are_the_flows_options_and_service_stays_required(
    config: dict[str, Any], flows: dict[str, Flow[Any, Any]]
) -> None:
    for deployment in config["deployments"]:
        flow = flows[deployment["entrypoint"]]
        if flow.name in REPORTS:
            continue  # covered by tests/fleet/test_fleet_deployments.py
        signature = inspect.signature(flow.fn)
        assert signature.parameters["service"].default is inspect.Parameter.empty
        parameters = deployment["parameters"]
        assert "service" not in parameters
        expected = {"rids", "tags", "dry_run", "approval"}
        if flow.name == "refresh":
            expected.add("stop_first")
        assert set(parameters) == expected
        for name, value in parameters.items():
            assert signature.parameters[name].default == value
        # A run that names a service validates against the flow's own signature.
        validated = flow.validate_parameters({**parameters, "service": "demo"})
        assert validated["service"] == "demo"


def test_pull_step_and_work_pool_come_from_the_environment(
    config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert config["pull"] == PULL_STEPS  # the same as deployments.build --apply sets
    assert config["build"] is None and config["push"] is None
    pools = {d["work_pool"]["name"] for d in config["deployments"]}
    assert pools == {"{{ $CLONEPILOT_WORK_POOL }}"}
    # What `prefect deploy` does with the placeholders (deploy time for the pool, run time for the step).
    monkeypatch.setenv("CLONEPILOT_WORK_POOL", "pool-x")
    monkeypatch.setenv("CLONEPILOT_CHECKOUT", "/srv/cp")
    resolved = apply_values(config, dict(os.environ))
    assert {d["work_pool"]["name"] for d in resolved["deployments"]} == {"pool-x"}
    step = resolved["pull"][0]["prefect.deployments.steps.set_working_directory"]
    assert step == {"directory": "/srv/cp"}
