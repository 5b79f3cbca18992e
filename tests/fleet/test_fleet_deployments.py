"""prefect.yaml deploys `status/on-demand` and `fleet-status/on-demand` from flows/fleet.py."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint

ROOT = Path(__file__).resolve().parents[2]


def test_status_deployments_fit_their_flows(monkeypatch: pytest.MonkeyPatch) -> None:
    config: dict[str, Any] = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    monkeypatch.chdir(ROOT)  # entrypoints are relative to the checkout, as `prefect deploy` reads them
    ours = [d for d in config["deployments"] if d["entrypoint"].startswith("flows/fleet.py:")]
    flows = {d["entrypoint"]: load_flow_from_entrypoint(d["entrypoint"]) for d in ours}
    assert sorted(f"{f.name}/{d['name']}" for d, f in zip(ours, flows.values(), strict=True)) == [
        "fleet-status/on-demand",
        "status/on-demand",
    ]
    pools = {d["work_pool"]["name"] for d in config["deployments"]}
    assert pools == {"{{ $CLONEPILOT_WORK_POOL }}"}
    for deployment in ours:
        flow = flows[deployment["entrypoint"]]
        assert deployment["schedules"] == []
        signature = inspect.signature(flow.fn)
        parameters = deployment["parameters"]
        for name, value in parameters.items():
            assert signature.parameters[name].default == value
        if flow.name == "status":
            # `service` stays required: every run names it.
            assert signature.parameters["service"].default is inspect.Parameter.empty
            assert "service" not in parameters
            assert flow.validate_parameters({**parameters, "service": "demo"})["service"] == "demo"
        else:
            assert flow.validate_parameters(parameters) == {}
