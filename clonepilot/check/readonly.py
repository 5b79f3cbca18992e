"""The only commands the preflight check may run: an allow-list of read-only builders.

A `ReadOnlyCommand` can only be made by the builders below (its constructor wants a private
token), and the runner (calls.py) accepts nothing else, so a state-changing argv cannot reach a
node from the check even by mistake. `refuse_unless_read_only` re-reads every argv as a second,
independent guard: the SYMCLI tool and its action word must be one of the read-only pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from clonepilot.symcli import GroupTarget, symcfg_list, symclone_query, symdev_list
from clonepilot.symcli.coverage import OutputKind
from clonepilot.symcli.inventory import symcli_version, symdg_list_ld

_TOKEN = object()

# (tool, action word) pairs that only read. `symcli` alone prints its version banner.
READ_ONLY_ACTIONS: dict[str, frozenset[str]] = {
    "symcli": frozenset(),
    "symcfg": frozenset({"list"}),
    "symdev": frozenset({"list", "show"}),
    "symdg": frozenset({"list", "show"}),
    "symclone": frozenset({"query", "verify"}),
}
# Words that name a state change to some SYMCLI tool; none may appear in a checked argv.
_CHANGING_WORDS = frozenset(
    {
        "create",
        "recreate",
        "activate",
        "terminate",
        "restore",
        "split",
        "establish",
        "delete",
        "add",
        "remove",
        "rename",
        "set",
        "discover",
        "addall",
        "move",
        "copy",
    }
)

# Looks each program up the way the engine will run it: by PATH for a bare name, as a file for an
# absolute path. Constant text; the program names are its positional arguments, never spliced in.
PROGRAMS_SCRIPT = (
    "for p do "
    'case "$p" in '
    '/*) if test -f "$p" && test -x "$p"; then printf \'found\\t%s\\t%s\\n\' "$p" "$p"; '
    "else printf 'missing\\t%s\\n' \"$p\"; fi ;; "
    '*) if w=$(command -v "$p"); then printf \'found\\t%s\\t%s\\n\' "$p" "$w"; '
    "else printf 'missing\\t%s\\n' \"$p\"; fi ;; "
    "esac; "
    "done"
)


class NotReadOnly(ValueError):
    """An argv the check refuses to run: it is not one of the read-only commands."""


@dataclass(frozen=True)
class ReadOnlyCommand:
    """An argv from the allow-list, and the kind of output it prints (for parsing and coverage)."""

    kind: OutputKind
    argv: tuple[str, ...]
    _token: object = field(repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if self._token is not _TOKEN:
            raise NotReadOnly("read-only commands are made by the builders of clonepilot.check.readonly only")
        refuse_unless_read_only(self.argv)


def _command(kind: OutputKind, argv: Sequence[str]) -> ReadOnlyCommand:
    return ReadOnlyCommand(kind, tuple(argv), _TOKEN)


def version(bin_dir: str) -> ReadOnlyCommand:
    return _command(OutputKind.SYMCLI_VERSION, symcli_version(bin_dir))


def arrays(bin_dir: str) -> ReadOnlyCommand:
    return _command(OutputKind.SYMCFG_LIST, symcfg_list(bin_dir))


def devices(bin_dir: str, sid: str, devs: Sequence[str]) -> ReadOnlyCommand:
    return _command(OutputKind.SYMDEV_LIST, symdev_list(bin_dir, sid, devs))


def group(bin_dir: str, dg: str) -> ReadOnlyCommand:
    return _command(OutputKind.SYMDG_LIST_LD, symdg_list_ld(bin_dir, dg))


def clone_query(bin_dir: str, target: GroupTarget) -> ReadOnlyCommand:
    return _command(OutputKind.SYMCLONE_QUERY, symclone_query(bin_dir, target))


def programs(names: Sequence[str]) -> ReadOnlyCommand:
    """Which of these programs the node has: one `found\\tNAME\\tPATH` or `missing\\tNAME` line each."""
    for name in names:
        if not name or name.startswith("-") or any(c.isspace() or c == "\x00" for c in name):
            raise NotReadOnly(f"invalid program name {name!r}")
    return _command(OutputKind.HOST_PROGRAMS, ["sh", "-c", PROGRAMS_SCRIPT, "sh", *names])


def refuse_unless_read_only(argv: Sequence[str]) -> None:
    """Raise NotReadOnly unless argv is a read-only SYMCLI call or the program lookup."""
    if not argv:
        raise NotReadOnly("empty argv")
    if list(argv[:3]) == ["sh", "-c", PROGRAMS_SCRIPT]:
        return
    tool = argv[0].rsplit("/", 1)[-1]
    allowed = READ_ONLY_ACTIONS.get(tool)
    if allowed is None:
        raise NotReadOnly(f"{tool} is not a read-only command of the check: {' '.join(argv)}")
    words = {arg.lower() for arg in argv[1:] if not arg.startswith("-")}
    if tool == "symcli":
        if len(argv) != 1:
            raise NotReadOnly(f"symcli takes no argument here: {' '.join(argv)}")
        return
    if not words & allowed:
        raise NotReadOnly(
            f"{tool} without a read-only action ({', '.join(sorted(allowed))}): {' '.join(argv)}"
        )
    if "-noprompt" in (arg.lower() for arg in argv) or words & _CHANGING_WORDS:
        raise NotReadOnly(f"{tool} call names a state change: {' '.join(argv)}")
