"""What every simulated symcli tool shares: SYMCLI-style option parsing and the process wrapper.

SYMCLI accepts options anywhere around the action word, in any case, and as unique prefixes
(`-nop` for `-noprompt`, `-diff` for `-differential`); an exact option name always wins.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from symsim import calllog, store
from symsim.errors import FAIL, SymError


@dataclass
class Parsed:
    opts: dict[str, str | bool] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)

    def flag(self, name: str) -> bool:
        return bool(self.opts.get(name))

    def value(self, name: str) -> str | None:
        found = self.opts.get(name)
        return found if isinstance(found, str) else None

    def number(self, name: str) -> int | None:
        text = self.value(name)
        if text is None:
            return None
        try:
            number = int(text)
        except ValueError:
            raise SymError(f"Invalid numeric value for {name}: '{text}'") from None
        if number < 0:
            raise SymError(f"Invalid numeric value for {name}: '{text}'")
        return number


def usage_error(tool: str, detail: str) -> SymError:
    return SymError(f"{detail}\n\nType '{tool} -h' for the usage of {tool}.", FAIL)


def parse(tool: str, argv: list[str], spec: dict[str, int], aliases: dict[str, str] | None = None) -> Parsed:
    """Split argv into options (spec: name -> number of values, 0 or 1) and positional words."""
    aliases = aliases or {}
    names = list(spec) + list(aliases)
    result = Parsed()
    i = 0
    while i < len(argv):
        word = argv[i]
        if word.startswith("-") and len(word) > 1:
            typed = word.lower()
            if typed in spec or typed in aliases:
                name = typed
            else:
                candidates = {aliases.get(n, n) for n in names if n.startswith(typed)}
                if len(candidates) != 1:
                    what = "Ambiguous" if candidates else "Unrecognized"
                    raise usage_error(tool, f"{what} option: '{word}'")
                name = candidates.pop()
            name = aliases.get(name, name)
            if spec[name]:
                if i + 1 >= len(argv):
                    raise usage_error(tool, f"Option '{word}' requires a value")
                result.opts[name] = argv[i + 1]
                i += 2
                continue
            result.opts[name] = True
        else:
            result.words.append(word)
        i += 1
    return result


def run_tool(tool: str, body: Callable[[Path, list[str]], int], argv: list[str] | None = None) -> int:
    """Run one simulated command: log the call, map SymError to stderr text and its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    start = time.time()
    code = FAIL
    home: Path | None = None
    try:
        home = store.resolve_home()
        code = body(home, args)
    except SymError as exc:
        sys.stdout.flush()
        print(exc.message, file=sys.stderr)
        code = exc.code
    except KeyboardInterrupt:
        code = 130
    finally:
        sys.stdout.flush()
        if home is not None and home.is_dir():
            calllog.record(home, tool, [tool, *args], start, time.time(), code)
    return code


def tool_main(tool: str, body: Callable[[Path, list[str]], int]) -> None:
    sys.exit(run_tool(tool, body))
