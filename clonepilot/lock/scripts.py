"""The lock operations as POSIX sh run on the lock's node: command lines and what they print.

Each operation is one command, so the steps that must not be split (take every key or none; check
a record then move it) happen on the node in one go. `mkdir` is the atomic test-and-set: it fails
for everyone but one when several create the same directory. Scripts get their data as positional
arguments and the record on stdin, never spliced into the script text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Exit codes of the scripts (besides 0).
BUSY = 1
LOST = 1
FAILED = 3

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$")

ACQUIRE = r"""
dir=$1; shift
umask 077
if [ ! -d "$dir" ]; then mkdir -p -- "$dir" || exit 3; fi
record=$(cat)
taken=
undo() { for t in $taken; do rm -rf -- "$dir/$t"; done; }
for key do
  if mkdir -- "$dir/$key" 2>/dev/null; then
    taken="$taken $key"
    if ! { printf '%s\n' "$record" > "$dir/$key/holder.tmp" &&
           mv -f -- "$dir/$key/holder.tmp" "$dir/$key/holder.json"; }; then
      undo; exit 3
    fi
  elif [ -d "$dir/$key" ]; then
    undo
    printf 'busy %s\n' "$key"
    cat -- "$dir/$key/holder.json" 2>/dev/null
    exit 1
  else
    mkdir -- "$dir/$key"
    undo; exit 3
  fi
done
echo taken
"""

RENEW = r"""
dir=$1; token=$2; shift 2
umask 077
record=$(cat)
status=0
for key do
  if grep -q -F -- "$token" "$dir/$key/holder.json" 2>/dev/null; then
    printf '%s\n' "$record" > "$dir/$key/holder.tmp" &&
      mv -f -- "$dir/$key/holder.tmp" "$dir/$key/holder.json" || exit 3
  else
    printf 'lost %s\n' "$key"
    status=1
  fi
done
exit $status
"""

RELEASE = r"""
dir=$1; token=$2; shift 2
for key do
  if grep -q -F -- "$token" "$dir/$key/holder.json" 2>/dev/null; then rm -rf -- "$dir/$key"; fi
done
"""

# Moves aside (an atomic rename) each key's directory that still holds the record judged dead: a
# holder that took one over meanwhile is left alone. An empty token: a directory with no record.
TAKEOVER = r"""
dir=$1; token=$2; suffix=$3; shift 3
for key do
  if [ -n "$token" ]; then
    grep -q -F -- "$token" "$dir/$key/holder.json" 2>/dev/null || continue
  elif [ ! -d "$dir/$key" ] || [ -e "$dir/$key/holder.json" ]; then
    continue
  fi
  mv -- "$dir/$key" "$dir/stale.$key.$suffix" 2>/dev/null || continue
  rm -rf -- "$dir/stale.$key.$suffix"
  printf 'moved %s\n' "$key"
done
"""


def check_key(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"lock key {key!r}: letters, digits, '.', '_' and '-' only")
    return key


def _sh(script: str, *args: str) -> list[str]:
    # `sh -c SCRIPT NAME ARGS...`: the arguments arrive as $1..., quoted once by the transport.
    return ["sh", "-c", script, "clonepilot-lock", *args]


def acquire_argv(directory: str, keys: Sequence[str]) -> list[str]:
    return _sh(ACQUIRE, directory, *(check_key(k) for k in keys))


def renew_argv(directory: str, token: str, keys: Sequence[str]) -> list[str]:
    return _sh(RENEW, directory, token, *(check_key(k) for k in keys))


def release_argv(directory: str, token: str, keys: Sequence[str]) -> list[str]:
    return _sh(RELEASE, directory, token, *(check_key(k) for k in keys))


def takeover_argv(directory: str, token: str, suffix: str, keys: Sequence[str]) -> list[str]:
    return _sh(TAKEOVER, directory, token, check_key(suffix), *(check_key(k) for k in keys))


def parse_moved(stdout: str) -> list[str]:
    return [line.removeprefix("moved ").strip() for line in stdout.splitlines() if line.startswith("moved ")]


@dataclass(frozen=True)
class Busy:
    """What a refused acquire printed: the key it met taken, and its record as text (maybe empty)."""

    key: str
    record: str


def parse_busy(stdout: str) -> Busy | None:
    first, _, rest = stdout.partition("\n")
    if not first.startswith("busy "):
        return None
    return Busy(first.removeprefix("busy ").strip(), rest.strip())


def parse_lost(stdout: str) -> list[str]:
    return [line.removeprefix("lost ").strip() for line in stdout.splitlines() if line.startswith("lost ")]
