"""SSH secrets from a Prefect Secret block, in real flow runs in the Prefect test harness.

The flows provision a service on symsim over the `sshd` fixture's server, logging in with an
encrypted key whose passphrase only a Secret block holds. Then everything the run left on the
server (logs, artifacts, flow and task run states, parameters) and its result are searched for
the passphrase, and a wrong one must fail with an AuthError that shows neither passphrase.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from clonepilot.settings import load_settings
from flows.secrets import SecretBlockError, flow_ssh_options
from tests.flows.conftest import FlowEnv, FlowRun, make_flow_env, run_flow, sync_only_text
from tests.plugins.sshd import SSHServer
from tests.plugins.symsim import DEFAULT_SID
from tests.secrets.conftest import EncryptedKey, new_passphrase


def save_secret(value: str) -> str:
    from prefect.blocks.system import Secret

    name = f"ssh-secret-{uuid.uuid4().hex[:8]}"
    Secret(value=value).save(name, overwrite=True)
    return name


@pytest.fixture
def env(
    prefect_harness: None,
    sshd: SSHServer,
    encrypted_key: EncryptedKey,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> FlowEnv:
    flow_env = make_flow_env(tmp_path / "env", sshd, monkeypatch)
    monkeypatch.setenv("CLONEPILOT_SSH_KEY_FILE", str(encrypted_key.path))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)  # only the configured key may log in
    return flow_env


def provision_service(env: FlowEnv) -> str:
    return env.write_service(sync_only_text(env.sshd, [(DEFAULT_SID, "00120:00130 00121:00131")]), "sec")


def everything_recorded(run: FlowRun, *, want: str) -> list[str]:
    """The texts the Prefect server holds about a run (its logs once `want` is among them)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()
    run_id = run.flow_run_id
    deadline = time.monotonic() + 30
    with get_client(sync_client=True) as client:
        while True:
            logs: list[Any] = []
            while True:
                page = client.read_logs(
                    log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])),
                    limit=200,
                    offset=len(logs),
                )
                logs += page
                if len(page) < 200:
                    break
            if any(want in log.message for log in logs) or time.monotonic() > deadline:
                break
            time.sleep(0.2)  # the API log worker sends in batches
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
        flow_run = client.read_flow_run(run_id)
        task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    messages = [log.message for log in logs]
    assert any(want in m for m in messages), messages  # the logs did arrive: searching them means something
    return [
        *messages,
        *(a.model_dump_json() for a in artifacts),
        flow_run.model_dump_json(),
        *(t.model_dump_json() for t in task_runs),
    ]


def test_passphrase_from_a_secret_block_provisions_over_ssh_and_is_never_printed(
    env: FlowEnv, encrypted_key: EncryptedKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = provision_service(env)
    # Without any passphrase the encrypted key cannot log in: the block is what makes the run work.
    refused = run_flow("provision", name)
    assert not refused.ok and "is encrypted and no passphrase was given" in str(refused.result)

    block = save_secret(encrypted_key.passphrase)
    monkeypatch.setenv("CLONEPILOT_SSH_SECRET_BLOCK", block)
    logins = env.sshd.log_text().count(encrypted_key.fingerprint)
    run = run_flow("provision", name)
    assert run.ok, run.result
    assert env.sshd.log_text().count(encrypted_key.fingerprint) > logins
    pairs = {(p["src"], p["tgt"]): p["state"] for p in env.state()["arrays"][0]["pairs"]}
    assert {pairs[("00120", "00130")], pairs[("00121", "00131")]} <= {"PreCopy", "CopyInProg", "Copied"}, (
        pairs
    )

    recorded = everything_recorded(run, want="symclone")
    assert any(f"SSH passphrase from the Prefect Secret block {block!r}" in text for text in recorded)
    assert any(run.result["summary"].splitlines()[0] in text for text in recorded)
    for text in [*recorded, json.dumps(run.result), str(run.state)]:
        assert encrypted_key.passphrase not in text, text


def test_a_wrong_passphrase_in_the_block_fails_showing_neither_passphrase(
    env: FlowEnv, encrypted_key: EncryptedKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = new_passphrase()
    monkeypatch.setenv("CLONEPILOT_SSH_SECRET_BLOCK", save_secret(wrong))
    run = run_flow("provision", provision_service(env))
    assert not run.ok
    error = str(run.result)
    assert "cannot be decrypted" in error, error
    recorded = everything_recorded(run, want="cannot be decrypted")
    for text in [*recorded, error, repr(run.result), str(run.state)]:
        assert wrong not in text and encrypted_key.passphrase not in text, text


def test_the_block_can_hold_a_password_kept_as_the_string_stored(
    env: FlowEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect import flow

    # Secret.get() would turn this JSON-looking string into an int.
    password = "12345678901234567890"
    monkeypatch.setenv("CLONEPILOT_SSH_SECRET_BLOCK", save_secret(password))
    monkeypatch.setenv("CLONEPILOT_SSH_SECRET_KIND", "password")

    @flow(name="secrets-probe")
    def probe() -> dict[str, Any]:
        options = flow_ssh_options(load_settings())
        return {
            "password": options.password == password,
            "passphrase": options.passphrase,
            "repr": repr(options),
        }

    seen = probe()
    assert seen["password"] is True and seen["passphrase"] is None
    assert password not in seen["repr"] and "password='***'" in seen["repr"]


def test_a_missing_block_is_named_in_the_error(env: FlowEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    block = f"no-such-block-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("CLONEPILOT_SSH_SECRET_BLOCK", block)
    with pytest.raises(SecretBlockError, match=f"Prefect Secret block '{block}' .* cannot be loaded"):
        flow_ssh_options(load_settings())
    run = run_flow("provision", provision_service(env))
    assert not run.ok and block in str(run.result)
