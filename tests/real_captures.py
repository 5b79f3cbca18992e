"""The real SYMCLI captures in tests/fixtures/real/ (copied from shared/symcli-real/, headers kept).

Each file starts with `# SOURCE:` / `# COMMAND:` lines and a `# ---- verbatim ... ----` line; what
follows is the captured text. The admin-notes captures (`notes-*`) are indented two spaces by
their RST literal block and hold the shell prompt lines (`# symclone ...`, `[user@host ~]$ ...`)
and the author's elisions (`……`): `body()` gives the text as SYMCLI printed it, without those.
"""

from __future__ import annotations

import re
from pathlib import Path

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
_MARKER = re.compile(r"^# ---- .*----$", re.M)  # the last header line
_PROMPT = re.compile(r"^(?:#\s*sym|\[[^\]]+\][$#]\s)")
ELISION = "……"


def path(name: str) -> Path:
    return REAL / name


def names(pattern: str = "*") -> list[str]:
    return sorted(p.name for p in REAL.glob(pattern) if p.is_file() and not p.name.endswith(".py"))


def header(name: str) -> str:
    text = path(name).read_text()
    match = _MARKER.search(text)
    assert match, f"{name}: no '# ---- ... ----' header end"
    return text[: match.start()]


def raw(name: str) -> str:
    """Everything after the verbatim marker line, unchanged."""
    text = path(name).read_text()
    match = _MARKER.search(text)
    assert match, f"{name}: no '# ---- ... ----' header end"
    return text[match.end() + 1 :]


def lines(name: str) -> list[str]:
    """The capture's lines after its header, the notes' RST indent removed, no trailing blank lines."""
    found = raw(name).split("\n")
    if name.startswith("notes-"):
        found = [line[2:] if line.startswith("  ") else line for line in found]
    while found and not found[-1].strip():
        found.pop()
    return found


def body(name: str, *, upto_prompt: int | None = None) -> str:
    """The captured output: RST indent, prompt lines and elisions removed.

    A capture holding several commands (notes-05 shows `symdg show` twice) is split at its prompt
    lines; `upto_prompt=N` gives the output of the N-th command (0-based), else all of it.
    """
    outputs: list[list[str]] = [[]]
    for line in lines(name):
        if _PROMPT.match(line.strip()):
            if outputs[-1]:
                outputs.append([])
            continue
        if line.strip() == ELISION:
            continue
        outputs[-1].append(line)
    chosen = outputs if upto_prompt is None else [outputs[upto_prompt]]
    return "\n".join(line for output in chosen for line in output) + "\n"
