"""The `-f` pairs file: its content and where it lives for a service resource."""

from __future__ import annotations

from collections.abc import Sequence

from clonepilot.symcli import validate

DEFAULT_PAIRS_DIR = "/var/tmp/clonepilot"


def pairs_file_content(pairs: Sequence[tuple[str, str]]) -> str:
    """`src tgt` per line, no trailing newline (as OpenSVC writes it)."""
    if not pairs:
        raise ValueError("a pairs file needs at least one pair")
    return "\n".join(f"{validate.dev_id(src)} {validate.dev_id(tgt)}" for src, tgt in pairs)


def pairs_file_name(service: str, rid: str) -> str:
    """`<svc>.<rid>.pairs` with '#' turned into '-'.

    Neither part may contain '.', and rids may not contain '-', so the mapping is one-to-one.
    """
    return f"{validate.service_name(service)}.{validate.resource_id(rid).replace('#', '-')}.pairs"


def pairs_file_path(service: str, rid: str, directory: str = DEFAULT_PAIRS_DIR) -> str:
    base = validate.abs_path(directory, "pairs directory").rstrip("/")
    return f"{base}/{pairs_file_name(service, rid)}"
