"""SYMCLI's element-style XML (`-output xml_e`): nested (tag, value) trees printed indented.

The real documents indent by 2 (symdev, symcfg) or by 4 (symdg) spaces and put every value on
the line of its element, so they are printed here rather than through ElementTree.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

# A node is (tag, text) or (tag, [children]).
Node = tuple[str, "str | list[Node]"]
PROLOG = '<?xml version="1.0" standalone="yes" ?>'


def lines(node: Node, depth: int = 0, step: int = 2) -> list[str]:
    tag, value = node
    pad = " " * (depth * step)
    if isinstance(value, str):
        return [f"{pad}<{tag}>{escape(value)}</{tag}>"]
    out = [f"{pad}<{tag}>"]
    for child in value:
        out += lines(child, depth + 1, step)
    return [*out, f"{pad}</{tag}>"]


def document(children: list[Node], step: int = 2) -> str:
    return "\n".join([PROLOG, *lines(("SymCLI_ML", children), 0, step)])
