"""Reading the real SYMCLI captures of tests/fixtures/real and comparing symsim's output with them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tests import real_captures

ELIDED = real_captures.ELISION  # the notes' author cut lines here
# A command echoed in the capture: `# symdg show`, `#symclone ...`, `[team1@Redhatse ~]$ symcfg list`.
PROMPT = re.compile(r"^(#\s?sym|\[\w+@\S+ [^\]]*\]\$ )")


def body(name: str) -> list[str]:
    """The verbatim lines of a capture, without its header and the notes' 2-space RST indent."""
    return real_captures.lines(name)


def sessions(name: str) -> list[list[str]]:
    """Each command's output in a capture, split at the echoed command lines (dropped)."""
    found: list[list[str]] = []
    for line in body(name):
        if PROMPT.match(line):
            found.append([])
        elif found:
            found[-1].append(line)
        else:
            found.append([line])
    return [_trim(s) for s in found]


def _trim(lines: list[str]) -> list[str]:
    lines = list(lines)
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def output(text: str) -> list[str]:
    return _trim(text.split("\n"))


def chunks(capture: list[str]) -> list[list[str]]:
    """The runs of lines between the author's elisions."""
    parts: list[list[str]] = [[]]
    for line in capture:
        if line.strip() == ELIDED:
            parts.append([])
        else:
            parts[-1].append(line)
    return [p for p in parts if p]


def assert_chunks_in_order(capture: list[str], produced: list[str]) -> None:
    """Every run of the (elided) capture appears, line for line and in order, in symsim's output."""
    position = 0
    for part in chunks(capture):
        for start in range(position, len(produced) - len(part) + 1):
            if produced[start : start + len(part)] == part:
                position = start + len(part)
                break
        else:
            wanted, got = "\n".join(part), "\n".join(produced)
            raise AssertionError(f"capture lines not found in order:\n{wanted}\n--- in ---\n{got}")


def anonymise(text: str, sid: str, shown: str) -> str:
    """Put the capture's anonymised SID (000xxxxxx316) where symsim printed the real one."""
    return text.replace(sid, shown)


def xml_root(name: str) -> ET.Element:
    return ET.fromstring("\n".join(body(name)))


def paths(element: ET.Element, prefix: str = "") -> list[str]:
    """Every element path below `element`, in document order (repeats kept)."""
    found = []
    for child in element:
        path = f"{prefix}/{child.tag}" if prefix else child.tag
        found.append(path)
        found += paths(child, path)
    return found


def leaves(element: ET.Element, prefix: str = "") -> dict[str, str]:
    """Leaf path -> text, for the first occurrence of each path."""
    found: dict[str, str] = {}
    for child in element:
        path = f"{prefix}/{child.tag}" if prefix else child.tag
        if len(child):
            for key, value in leaves(child, path).items():
                found.setdefault(key, value)
        else:
            found.setdefault(path, (child.text or "").strip())
    return found
