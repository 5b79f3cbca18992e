"""Turn a SYMCLI call's exit code and text into the right clonepilot error.

Retryable: the same call may succeed later unchanged (a lock held by another SYMAPI client,
the array or the SYMAPI server not answering). Permanent: repeating cannot help (wrong pair
state, no session, unknown device, bad option, force needed). Unknown failures are permanent
so that nothing loops on an error nobody has looked at.
"""

from __future__ import annotations

import enum
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from clonepilot.errors import ClonepilotError, PermanentError, RetryableError


class SymcliErrorKind(enum.Enum):
    LOCKED = "locked"
    UNREACHABLE = "unreachable"
    WRONG_STATE = "wrong_state"
    NO_SESSION = "no_session"
    DEVICE_NOT_FOUND = "device_not_found"
    INVALID_PAIR = "invalid_pair"
    ALREADY_IN_STATE = "already_in_state"
    NEEDS_FORCE = "needs_force"
    BAD_USAGE = "bad_usage"
    PARSE = "parse"
    FAILED = "failed"


RETRYABLE_KINDS = frozenset({SymcliErrorKind.LOCKED, SymcliErrorKind.UNREACHABLE})

# Exit codes from reference §5.1 (CLI_C_*); only those that decide the class on their own.
EXIT_DB_FILE_IS_LOCKED = 2
EXIT_SYM_IS_LOCKED = 3
EXIT_ALREADY_IN_STATE = 18
EXIT_GK_IS_LOCKED = 19
EXIT_NEED_FORCE = 22
EXIT_NEED_SYMFORCE = 23

_EXIT_KINDS: dict[int, SymcliErrorKind] = {
    EXIT_DB_FILE_IS_LOCKED: SymcliErrorKind.LOCKED,
    EXIT_SYM_IS_LOCKED: SymcliErrorKind.LOCKED,
    EXIT_GK_IS_LOCKED: SymcliErrorKind.LOCKED,
    EXIT_ALREADY_IN_STATE: SymcliErrorKind.ALREADY_IN_STATE,
    EXIT_NEED_FORCE: SymcliErrorKind.NEEDS_FORCE,
    EXIT_NEED_SYMFORCE: SymcliErrorKind.NEEDS_FORCE,
}

# Text patterns, checked in order: locks first because a lock message may also mention a
# device; usage errors before the unreachable patterns ("-timeout" is not a timeout); the
# specific permanent causes before the broad "not found".
_TEXT_KINDS: tuple[tuple[re.Pattern[str], SymcliErrorKind], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (r"locked\s+by\s+another\s+process", SymcliErrorKind.LOCKED),
        (r"exclusive\s+lock", SymcliErrorKind.LOCKED),
        (r"unable\s+to\s+acquire\s+the\s+symmetrix\s+device\s+lock", SymcliErrorKind.LOCKED),
        (r"\block(?:s|ed)?\b.*\b(?:held|in use)\b", SymcliErrorKind.LOCKED),
        (
            r"unrecognized|unknown\s+(?:option|keyword|argument|action)|invalid\s+(?:option|argument|keyword)"
            r"|syntax\s+error|usage:",
            SymcliErrorKind.BAD_USAGE,
        ),
        (r"symapi\s+server", SymcliErrorKind.UNREACHABLE),
        (r"(?:unable|failed)\s+to\s+(?:connect|communicate)", SymcliErrorKind.UNREACHABLE),
        (r"connection\s+(?:refused|timed\s+out|lost|reset)", SymcliErrorKind.UNREACHABLE),
        (r"\b(?:is\s+)?busy\b", SymcliErrorKind.UNREACHABLE),
        (r"not\s+(?:currently\s+)?(?:reachable|responding|available)", SymcliErrorKind.UNREACHABLE),
        (r"\btimed?\s*out\b", SymcliErrorKind.UNREACHABLE),
        (r"already\s+in\s+(?:the\s+)?(?:requested|desired)\s+state", SymcliErrorKind.ALREADY_IN_STATE),
        (r"session\s+has\s+not\s+been\s+created", SymcliErrorKind.NO_SESSION),
        (r"do(?:es)?\s+not\s+form\s+a\s+copy\s+session", SymcliErrorKind.NO_SESSION),
        (r"does\s+not\s+have\s+any\s+devices\s+that\s+are\s+clone\s+source", SymcliErrorKind.NO_SESSION),
        (r"no\s+(?:clone|copy)\s+sessions?", SymcliErrorKind.NO_SESSION),
        (r"-symforce|-force\b|\bforce\s+(?:flag|option)", SymcliErrorKind.NEEDS_FORCE),
        (
            r"appropriate\s+(?:pair\s+)?state|not\s+in\s+a\s+valid\s+state|invalid\s+(?:pair\s+)?state",
            SymcliErrorKind.WRONG_STATE,
        ),
        (r"(?:pair\s+)?state\s+.*\bnot\s+(?:allowed|permitted|valid)", SymcliErrorKind.WRONG_STATE),
        (
            r"not\s+the\s+same\s+size|size\s+mismatch|smaller\s+than|larger\s+than|invalid\s+pair"
            r"|cannot\s+be\s+paired|not\s+a\s+valid\s+(?:clone\s+)?pair",
            SymcliErrorKind.INVALID_PAIR,
        ),
        (
            r"not\s+found|does\s+not\s+exist|no\s+such\s+(?:device|file)|is\s+not\s+valid|not\s+a\s+valid"
            r"|cannot\s+(?:be\s+)?(?:found|open)",
            SymcliErrorKind.DEVICE_NOT_FOUND,
        ),
    )
)


@runtime_checkable
class CommandOutcome(Protocol):
    """What a transport returns for one command; `node` is read with getattr when present."""

    @property
    def argv(self) -> Sequence[str]: ...

    @property
    def exit_code(self) -> int: ...

    @property
    def stdout(self) -> str: ...

    @property
    def stderr(self) -> str: ...


class SymcliError(ClonepilotError):
    """A SYMCLI call that failed; carries the call so the message can say what and where."""

    kind: SymcliErrorKind = SymcliErrorKind.FAILED

    def __init__(
        self,
        symcli_message: str,
        *,
        argv: Sequence[str] = (),
        exit_code: int | None = None,
        node: str | None = None,
        kind: SymcliErrorKind | None = None,
    ) -> None:
        self.symcli_message = symcli_message
        self.argv = tuple(argv)
        self.exit_code = exit_code
        self.node = node
        if kind is not None:
            self.kind = kind
        super().__init__(self._render())

    def _render(self) -> str:
        program = self.argv[0].rsplit("/", 1)[-1] if self.argv else "symcli"
        where = f" on {self.node}" if self.node else ""
        code = f" (exit {self.exit_code})" if self.exit_code is not None else ""
        if self.kind is SymcliErrorKind.PARSE:
            lines = [f"{program} output{where}{code} not understood by clonepilot"]
        else:
            lines = [f"{program} failed{where}{code}: {self.kind.value.replace('_', ' ')}"]
        if self.symcli_message:
            lines.append(self.symcli_message)
        if self.argv:
            lines.append(f"command: {shlex.join(self.argv)}")
        hint = _HINTS.get(self.kind)
        if hint:
            lines.append(hint)
        return "\n".join(lines)


class SymcliRetryable(SymcliError, RetryableError):
    """Lock held, array or SYMAPI server unreachable or busy: retry later unchanged."""


class SymcliPermanent(SymcliError, PermanentError):
    """Repeating the same call cannot help."""


class SymcliParseError(SymcliPermanent):
    """SYMCLI output that does not have the expected shape."""

    kind = SymcliErrorKind.PARSE


_HINTS: dict[SymcliErrorKind, str] = {
    SymcliErrorKind.LOCKED: "another SYMAPI client holds a lock; retry later or raise -i/-c",
    SymcliErrorKind.UNREACHABLE: "check the gatekeepers, SYMCLI_CONNECT and the SYMAPI server",
    SymcliErrorKind.NO_SESSION: "the pairs have no clone session: run create first",
    SymcliErrorKind.WRONG_STATE: "query the pairs; the operation is not legal in their current state",
    SymcliErrorKind.NEEDS_FORCE: "SYMCLI asks for -force/-symforce; check the pair state by hand first",
    SymcliErrorKind.DEVICE_NOT_FOUND: "check the SID, device ids and group in the service configuration",
    SymcliErrorKind.PARSE: (
        "nothing was changed on its account; `clonepilot -s SVC check --capture DIR` records every output"
        " for a bug report"
    ),
}


def message_of(stdout: str, stderr: str) -> str:
    """The SYMCLI message verbatim: stderr then stdout, blank edges stripped."""
    parts = [text.strip("\n") for text in (stderr, stdout) if text and text.strip()]
    return "\n".join(parts)


def kind_of(exit_code: int, stdout: str, stderr: str) -> SymcliErrorKind:
    """Classify a failed call. Text wins over generic exit codes; lock exit codes win over text."""
    by_code = _EXIT_KINDS.get(exit_code)
    if by_code is SymcliErrorKind.LOCKED:
        return by_code
    text = f"{stderr}\n{stdout}"
    for pattern, kind in _TEXT_KINDS:
        if pattern.search(text):
            return kind
    return by_code or SymcliErrorKind.FAILED


def classify(
    argv: Sequence[str],
    exit_code: int,
    stdout: str = "",
    stderr: str = "",
    node: str | None = None,
) -> SymcliError | None:
    """The error for this call, or None when it succeeded (exit 0)."""
    if exit_code == 0:
        return None
    kind = kind_of(exit_code, stdout, stderr)
    cls = SymcliRetryable if kind in RETRYABLE_KINDS else SymcliPermanent
    return cls(message_of(stdout, stderr), argv=argv, exit_code=exit_code, node=node, kind=kind)


def check(outcome: CommandOutcome, *, ok_codes: Sequence[int] = (0,)) -> CommandOutcome:
    """Return the outcome when its exit code is acceptable, else raise the classified error."""
    if outcome.exit_code in ok_codes:
        return outcome
    node = getattr(outcome, "node", None)
    error = classify(
        outcome.argv,
        outcome.exit_code,
        outcome.stdout,
        outcome.stderr,
        node=None if node is None else str(node),
    )
    if error is None:
        # exit 0 while ok_codes excludes it: the caller expected a failure code.
        error = SymcliPermanent(
            message_of(outcome.stdout, outcome.stderr),
            argv=outcome.argv,
            exit_code=0,
            node=None if node is None else str(node),
        )
    raise error


@dataclass(frozen=True)
class CallRecord:
    """A plain CommandOutcome, for callers (and tests) that hold the values separately."""

    argv: tuple[str, ...]
    exit_code: int
    stdout: str = ""
    stderr: str = ""
    node: str | None = None
