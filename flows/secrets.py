"""SSH secrets for flow runs: the key passphrase or password from a Prefect Secret block.

The environment's `CLONEPILOT_SSH_KEY_PASSPHRASE` / `CLONEPILOT_SSH_PASSWORD` reach every run
through `ssh_options_from`; when `ssh_secret_block` names a Secret block, a flow run loads it and
its value replaces the environment's passphrase (or password, per `ssh_secret_kind`). The value
only ever lands in SSHOptions, whose repr hides it; messages name the block, never its content.
The read-only CLI commands never import prefect, so this module is for flows only.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from clonepilot.engine.context import ssh_options_from
from clonepilot.errors import PermanentError
from clonepilot.settings import Settings
from clonepilot.transport import SSHOptions


class SecretBlockError(PermanentError):
    """The Secret block named by ssh_secret_block is missing, unreadable or holds no string."""


def load_secret_block(name: str) -> str:
    """The string held by the Prefect Secret block `name` (its content never appears in errors)."""
    from prefect.blocks.system import Secret

    try:
        block = Secret.load(name)
    except ValueError as exc:
        # Prefect says "Unable to find block document named ...": the name only, no content.
        raise SecretBlockError(
            f"Prefect Secret block {name!r} (ssh_secret_block) cannot be loaded: {exc}; create it in"
            " the UI (Blocks → Secret) or with Secret(value=...).save(name)"
        ) from None
    value = block.get()
    if not isinstance(value, str):
        # Secret.get() parses JSON-looking strings ("123456", "true"): keep the string as stored.
        raw = block.value.get_secret_value()
        if not isinstance(raw, str):
            raise SecretBlockError(
                f"Prefect Secret block {name!r} (ssh_secret_block) holds a {type(raw).__name__},"
                " not a string passphrase or password"
            )
        value = raw
    return value


def flow_ssh_options(
    settings: Settings, logger: logging.Logger | logging.LoggerAdapter[Any] | None = None
) -> SSHOptions:
    """The SSH options of a flow run: the settings', plus the Secret block's value when one is named."""
    options = ssh_options_from(settings)
    name = settings.ssh_secret_block
    if not name:
        return options
    value = load_secret_block(name)
    kind = settings.ssh_secret_kind
    if logger is not None:
        logger.info("SSH %s from the Prefect Secret block %r", kind, name)
    return dataclasses.replace(options, **{kind: value})
