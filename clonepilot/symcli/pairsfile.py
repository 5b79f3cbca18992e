"""The `-f` pairs file: its content and where it lives for a service resource."""

from __future__ import annotations

import re
from collections.abc import Sequence

from clonepilot.symcli import validate

# In the `pairs_dir` setting: the user clonepilot logs in as on the symcli node. One directory per
# user, never one shared by every user of the node (whoever made that first would own the files).
USER_PLACEHOLDER = "{user}"
_USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def pairs_dir_for(template: str, user: str) -> str:
    """The pairs directory of `user`: the setting with `{user}` replaced by the login name."""
    if USER_PLACEHOLDER in template and not _USER.match(user):
        raise ValueError(f"login user {user!r} cannot name a pairs directory (expected [A-Za-z0-9_.-])")
    return validate.abs_path(template.replace(USER_PLACEHOLDER, user), "pairs directory")


def pairs_file_content(pairs: Sequence[tuple[str, str]]) -> str:
    """`src tgt` per line, no trailing newline (as OpenSVC writes it)."""
    if not pairs:
        raise ValueError("a pairs file needs at least one pair")
    return "\n".join(f"{validate.dev_id(src)} {validate.dev_id(tgt)}" for src, tgt in pairs)


def pairs_file_name(service: str, rid: str) -> str:
    """`<svc>.<rid>.pairs` with '#' turned into '-'.

    Neither part may contain '.', and a rid's kind has no '-', so the first '-' after the service
    name is the '#': the mapping is one-to-one.
    """
    return f"{validate.service_name(service)}.{validate.resource_id(rid).replace('#', '-')}.pairs"


def pairs_file_path(service: str, rid: str, directory: str) -> str:
    base = validate.abs_path(directory, "pairs directory").rstrip("/")
    return f"{base}/{pairs_file_name(service, rid)}"
