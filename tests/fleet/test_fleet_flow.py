"""The `fleet-status` and `status` flows in the Prefect test harness: table artifact and events."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fleet.conftest import Fleet


def _artifacts(flow_run_id: Any) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )


def _events(since: datetime, prefix: str, wanted: int, timeout: float = 30.0) -> list[Any]:
    """Events whose resource id starts with prefix, once the server has stored `wanted` of them."""
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventOccurredFilter, EventResourceFilter

    # `until` defaults to the filter's creation: leave room for events still on their way.
    occurred = EventOccurredFilter(since=since, until=datetime.now(UTC) + timedelta(hours=1))
    event_filter = EventFilter(occurred=occurred, resource=EventResourceFilter(id_prefix=[prefix]))
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            # The client's default limit (100) is more than its server accepts (50) in 3.9.
            events = list(client.read_events(filter=event_filter, limit=50).events)
            if len(events) >= wanted or time.monotonic() > deadline:
                return events
            time.sleep(0.5)


def _settings_env(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in fleet.env().items():
        monkeypatch.setenv(key, value)


def test_fleet_status_flow_publishes_a_table_and_events(
    prefect_harness: None, fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.fleet import fleet_status_flow

    _settings_env(fleet, monkeypatch)
    since = datetime.now(UTC)
    state = fleet_status_flow(return_state=True)
    assert state.is_completed(), state
    result = state.result()
    assert [s["service"] for s in result["services"]] == ["broken", "charlie", "beta", "alpha", "delta"]
    assert result["events"] == 2
    # Still one symdev list per array when run as a flow.
    assert len([c for c in fleet.calls() if c["tool"] == "symdev"]) == 2

    [artifact] = _artifacts(state.state_details.flow_run_id)
    assert (artifact.key, artifact.type) == ("fleet-status", "table")
    rows = artifact.data if isinstance(artifact.data, list) else json.loads(artifact.data)
    assert [(r["service"], r["rid"], r["status"]) for r in rows] == [
        ("broken", "", "invalid"),
        ("charlie", "sync#1", "down"),
        ("beta", "sync#1", "warn"),
        ("alpha", "sync#1", "up"),
        ("alpha", "sync#2", "up"),
        ("alpha", "app#1", "up"),
        ("delta", "sync#1", "up"),
    ]
    assert set(rows[1]) == {"service", "rid", "status", "reason", "last_action"}
    assert rows[1]["reason"] == "no clone session: 00105:00115 (NoSession)"
    assert rows[3]["last_action"] != ""

    events = _events(since, "clonepilot.resource.", 2)
    # None for the up resources, none for the invalid file: one per resource in down or warn.
    assert len(events) == 2, [(e.event, e.resource.id) for e in events]
    by_resource = {e.resource.id: e for e in events}
    assert set(by_resource) == {"clonepilot.resource.charlie.sync#1", "clonepilot.resource.beta.sync#1"}
    down = by_resource["clonepilot.resource.charlie.sync#1"]
    assert down.event == "clonepilot.resource.down"
    assert down.resource.name == "charlie sync#1"
    assert down.payload["reason"] == "no clone session: 00105:00115 (NoSession)"
    warn = by_resource["clonepilot.resource.beta.sync#1"]
    assert warn.event == "clonepilot.resource.warn"
    assert warn.payload["reason"].startswith("only 1 of 2 pairs activated")


def test_status_flow_for_one_service(
    prefect_harness: None, fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.fleet import status_flow

    _settings_env(fleet, monkeypatch)
    # A second clone set of charlie's, down too: one event per resource.
    fleet.write(
        "charlie",
        "[sync#1]\ntype = symclone\nsymid = 000197900123\npairs = 00105:00115\n\n"
        "[sync#2]\ntype = symclone\nsymid = 000197900123\npairs = 00106:00116\n",
    )
    since = datetime.now(UTC)
    state = status_flow(service="charlie", return_state=True)
    assert state.is_completed(), state
    result = state.result()
    assert result["events"] == 2
    assert [s["overall"] for s in result["services"]] == ["down"]
    [artifact] = _artifacts(state.state_details.flow_run_id)
    assert (artifact.key, artifact.type) == ("charlie-status", "table")
    events = _events(since, "clonepilot.resource.charlie.", 2)
    assert sorted((e.event, e.resource.id, e.resource.name) for e in events) == [
        ("clonepilot.resource.down", "clonepilot.resource.charlie.sync#1", "charlie sync#1"),
        ("clonepilot.resource.down", "clonepilot.resource.charlie.sync#2", "charlie sync#2"),
    ]
