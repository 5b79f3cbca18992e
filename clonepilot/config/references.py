"""OpenSVC references in keyword values: `{svcname}`, `{nodename}`, `{rid}`, `{env.KEY}`...

As OpenSVC's core/extconfig.py does: a reference is `{word}` matched by the same pattern, a
`{section.keyword}` reads another keyword (an `[env]` entry most often), a bare `{keyword}` this
section's keyword or else [DEFAULT]'s (`{nodes}`), and a value may bring new
references, expanded in turn. A plain word OpenSVC does not know (a shell's `${ORACLE_HOME}`) is
left as written, as OpenSVC leaves it. References only OpenSVC's cluster can answer
(`{clusternodes}`, `{id}`...) are refused, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# OpenSVC's own pattern (extconfig._handle_references).
REFERENCE_RE = re.compile(r"{\w*[\w#][\w\.\[\]:\/]*}")
# Expansions that bring references of their own stop here: a loop, not a deep configuration.
MAX_DEPTH = 10

_CLUSTER_ONLY = frozenset(
    {
        "id",
        "clusterid",
        "clustername",
        "clusternodes",
        "clusterdrpnodes",
        "dns",
        "dnsnodes",
        "fqdn",
        "domain",
        "kind",
        "dns_janitor_major",
        "scaler_name",
        "scaler_svcname",
        "scaler_short_name",
        "scaler_short_svcname",
    }
)
_MODIFIERS: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "lower": str.lower,
    "capitalize": str.capitalize,
    "title": str.title,
    "swapcase": str.swapcase,
}

Report = Callable[[str | None, str | None, str], None]


class ReferenceError_(ValueError):
    """A reference clonepilot cannot expand; the message says which and why."""


@dataclass(frozen=True)
class Context:
    service: str
    node: str | None  # the host name the service is evaluated for
    env: dict[str, str] = field(default_factory=dict)


def _builtin(name: str, context: Context, section: str) -> str | None:
    if name in ("svcname", "name"):
        return context.service
    if name in ("short_name", "short_svcname"):
        return context.service.split(".")[0]
    if name in ("path", "svcpath"):
        return context.service  # a service of OpenSVC's root namespace is named by its name alone
    if name == "namespace":
        return "root"
    if name in ("nodename", "short_nodename"):
        if context.node is None:
            raise ReferenceError_(f"{{{name}}}: no node to evaluate it for")
        return context.node if name == "nodename" else context.node.split(".")[0]
    if name == "rid":
        return section
    if name == "rindex":
        return section.split("#")[-1]
    return None


def expand(value: str, section: str, context: Context, sections: dict[str, dict[str, str]]) -> str:
    """`value` with every reference OpenSVC would expand replaced; ReferenceError_ if one cannot be."""
    depth = 0
    done = ""
    rest = value
    while True:
        match = REFERENCE_RE.search(rest)
        if match is None:
            return done + rest
        depth += 1
        if depth > MAX_DEPTH * (value.count("{") + 1):
            raise ReferenceError_(f"{value!r}: references expand into each other without end")
        ref = match.group(0)[1:-1]
        replacement = _reference(ref, section, context, sections)
        if replacement is None:
            # Not a reference OpenSVC knows: left as written (a shell's ${VAR}, an awk program).
            done += rest[: match.end()]
            rest = rest[match.end() :]
        else:
            rest = rest[: match.start()] + replacement + rest[match.end() :]


def _reference(ref: str, section: str, context: Context, sections: dict[str, dict[str, str]]) -> str | None:
    name = ref
    modifier: Callable[[str], str] | None = None
    prefix, colon, tail = ref.partition(":")
    if colon and prefix in _MODIFIERS:
        modifier, name = _MODIFIERS[prefix], tail
    if name.startswith("#") or "[" in name:
        raise ReferenceError_(f"{{{ref}}}: OpenSVC's list length and index references are not supported")
    if name in _CLUSTER_ONLY:
        raise ReferenceError_(f"{{{ref}}}: only OpenSVC's cluster knows this value; write it out")
    value = _builtin(name, context, section)
    if value is None and "." in name:
        target, _, keyword = name.partition(".")
        if not target or not keyword:
            raise ReferenceError_(f"{{{ref}}}: a reference to a keyword is {{<section>.<keyword>}}")
        entries = context.env if target == "env" else sections.get(target)
        if entries is None:
            raise ReferenceError_(f"{{{ref}}}: there is no [{target}] section")
        if keyword not in entries:
            raise ReferenceError_(f"{{{ref}}}: [{target}] has no keyword {keyword!r}")
        value = entries[keyword]
    if value is None and "." not in name:
        # A bare keyword name: this section's value, else [DEFAULT]'s (OpenSVC's `{nodes}`).
        for entries in (sections.get(section, {}), sections.get("DEFAULT", {})):
            if name in entries:
                value = entries[name]
                break
    if value is None:
        return None
    return modifier(value) if modifier is not None else value


def expand_sections(
    sections: dict[str, dict[str, str]],
    context: Context,
    report: Report,
    skip: frozenset[tuple[str, str]] | set[tuple[str, str]] = frozenset(),
) -> dict[str, dict[str, str]]:
    """Every keyword value with its references expanded; a reference that cannot be is reported.

    `skip`: (section, keyword) left as written, for keywords that are read before references can be.
    """
    result: dict[str, dict[str, str]] = {}
    for section, entries in sections.items():
        expanded: dict[str, str] = {}
        for key, raw in entries.items():
            if (section, key.partition("@")[0]) in skip:
                expanded[key] = raw
                continue
            try:
                expanded[key] = expand(raw, section, context, sections) if "{" in raw else raw
            except ReferenceError_ as exc:
                report(section, key, str(exc))
                expanded[key] = raw
        result[section] = expanded
    return result
