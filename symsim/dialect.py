"""Dialects: one setting per SYMCLI fact no real capture confirms, stored in the state document.

The defaults follow the real captures where they exist (/work/shared/symcli-real) and the most
likely reading elsewhere; the other values let a test ask "what if the real CLI does X instead?".
Kept in the state, not the environment, so they hold for every process of the array, including
the ones started over SSH through the `symsim bin` wrappers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symsim.errors import SymError


@dataclass(frozen=True)
class Key:
    name: str
    values: tuple[str, ...]  # the first one is the default
    what: str

    @property
    def default(self) -> str:
        return self.values[0]


KEYS: tuple[Key, ...] = (
    Key(
        "percent_element",
        ("percent_copied", "percent", "none"),
        "name of the percent element in symdev -v xml CLONE_Device (none: no such element)",
    ),
    Key("control_channel", ("stderr", "stdout"), "where control-action messages go (exit 0 either way)"),
    Key(
        "query_no_session_exit",
        ("1", "0"),
        "exit code of a query with no session (1: text on stderr, 0: text on stdout)",
    ),
    Key(
        "verify_codes",
        ("reference", "one"),
        "verify exit codes when not all pairs are in the state",
    ),
    Key("verify_text", ("yes", "no"), "whether verify prints its All/Not All/None sentence"),
    Key("date_padding", ("space", "zero"), "day of month in asctime dates: 'Dec  1' or 'Dec 01'"),
    Key(
        "dev_width",
        ("array", "mixed"),
        "device ids: the array's width everywhere, or 4 digits where possible outside symdev",
    ),
    Key(
        "file_query_form",
        ("logical_na", "no_logical"),
        "-sid -f query rows: Logical columns shown as N/A, or left out",
    ),
    Key(
        "query_pair_clause",
        ("accept", "reject"),
        "whether `symclone -g DG query SRC sym ld TGT` is accepted",
    ),
    Key(
        "create_default",
        ("copy_diff", "copy", "nocopy"),
        "session mode of a create without -copy/-nocopy/-differential",
    ),
    Key(
        "terminate_copyinprog",
        ("allow", "force"),
        "terminate of a CopyInProg/CopyOnAccess pair: allowed, or needs -force",
    ),
    Key(
        "terminate_restored",
        ("end", "keep"),
        "terminate -restored: ends the whole session (reference), or only the restore (back to Copied)",
    ),
    Key(
        "lock_exit",
        ("3", "2", "1"),
        "exit code of a device lock held by another process (3 SYM_IS_LOCKED, 2 DB_FILE_IS_LOCKED)",
    ),
    Key(
        "group_message_lines",
        ("wrapped", "one_line"),
        "whole-group control messages without -v: wrapped as notes-10/12, or on one line as notes-08",
    ),
)
BY_NAME: dict[str, Key] = {key.name: key for key in KEYS}
STATE_KEY = "dialect"


def defaults() -> dict[str, str]:
    return {key.name: key.default for key in KEYS}


def current(state: dict[str, Any]) -> dict[str, str]:
    """Every key's value: the stored one, else the default (older state files have none)."""
    stored = state.get(STATE_KEY) or {}
    return {key.name: stored.get(key.name, key.default) for key in KEYS}


def get(state: dict[str, Any], name: str) -> str:
    return current(state)[BY_NAME[name].name]


def parse_assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    name, value = name.strip().lower(), value.strip()
    if not sep:
        raise SymError(f"symsim: dialect settings are KEY=VALUE, got '{text}'")
    key = BY_NAME.get(name)
    if key is None:
        raise SymError(f"symsim: unknown dialect key '{name}' (one of {', '.join(BY_NAME)})")
    if value not in key.values:
        raise SymError(f"symsim: dialect {name} is one of {', '.join(key.values)}, got '{value}'")
    return name, value


def update(state: dict[str, Any], assignments: list[str], *, reset: bool = False) -> dict[str, str]:
    """Check every KEY=VALUE first, then apply them all: a bad one changes nothing."""
    pairs = [parse_assignment(text) for text in assignments]
    if reset:
        state[STATE_KEY] = {}
    stored = state.setdefault(STATE_KEY, {})
    for name, value in pairs:
        stored[name] = value
    return current(state)


def render(values: dict[str, str]) -> str:
    width = max(len(key.name) for key in KEYS)
    lines = []
    for key in KEYS:
        value = values[key.name]
        mark = "" if value == key.default else "   (default " + key.default + ")"
        lines.append(f"{key.name:<{width}} = {value:<14} one of {'|'.join(key.values)}{mark}")
    return "\n".join(lines)
