"""A Prefect test harness for the tests that run flows: one temporary server per test session.

`prefect_harness` is session-scoped but not autouse: only a test that asks for it (directly or
through a fixture) pays its ~10 s start, once per session. Flows called in-process while it is up
report to its server, and `prefect.client.orchestration.get_client()` reads them back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    # Never phone home (tests/conftest.py sets it too; a plugin must not depend on that).
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield
