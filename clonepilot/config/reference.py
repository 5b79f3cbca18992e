"""The keyword reference in the README, generated from the keyword tables (kept in step by a test).

`python -m clonepilot.config.reference` prints it.
"""

from __future__ import annotations

from typing import Any

from clonepilot.config.keywords import (
    COMMON,
    DEFAULT,
    DEPENDS_ACTIONS,
    HOOK_ACTIONS,
    HOOK_KINDS,
    RESOURCE_KEYWORDS,
    Keyword,
)
from clonepilot.config.opensvc import (
    DEFAULT_VALUES,
    IGNORED_BY_KIND,
    IGNORED_DEFAULT,
    IGNORED_RESOURCE,
    LEGACY,
    REFUSED_DEFAULT,
    REFUSED_RESOURCE,
    REFUSED_SECTIONS,
    REFUSED_TYPES,
)

_HOOKS = frozenset(f"{kind}_{action}" for kind in HOOK_KINDS for action in HOOK_ACTIONS)
_DEPENDS = frozenset(f"{action}_depends" for action in DEPENDS_ACTIONS)
_SECTION_TITLES = {
    "sync": "`[sync#<name>]` (type = symclone)",
    "ip": "`[ip#<name>]`",
    "disk": "`[disk#<name>]` (type = vg; OpenSVC's `[vg#<name>]` too)",
    "fs": "`[fs#<name>]`",
    "app": "`[app#<name>]`",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(value: Any, keyword: Keyword) -> str:
    if keyword.required:
        return "required"
    if value is None or value == () or value == frozenset():
        return ""
    if isinstance(value, tuple) and all(isinstance(item, tuple) for item in value):
        return "`" + " ".join(":".join(str(part) for part in item) for item in value) + "`"
    return f"`{value}`"


def _table(keywords: list[Keyword]) -> list[str]:
    lines = ["| Keyword | Default | Scopable | Meaning |", "|---|---|---|---|"]
    for keyword in keywords:
        scopable = "yes" if keyword.scopable else "no"
        default = _default(keyword.default, keyword)
        lines.append(f"| `{keyword.name}` | {default} | {scopable} | {_cell(keyword.description)} |")
    return lines


def _own(kind: str) -> list[Keyword]:
    return [k for name, k in RESOURCE_KEYWORDS[kind].items() if name not in COMMON]


def _listed(title: str, items: dict[str, str]) -> list[str]:
    lines = [f"| {title} | Why |", "|---|---|"]
    lines += [f"| `{name}` | {_cell(why)} |" for name, why in items.items()]
    return lines


def keyword_reference() -> str:
    """The markdown of every keyword clonepilot reads, ignores or refuses."""
    out: list[str] = ["#### `[DEFAULT]`", "", *_table(list(DEFAULT.values()))]
    out += [
        "",
        "Also read: `drpnode` (OpenSVC's backup node: the first of `drpnodes`) and `sync_max_delay` "
        "(the default of every sync resource). `[env]` holds values for `{env.<key>}` references.",
    ]
    for kind, title in _SECTION_TITLES.items():
        out += ["", f"#### {title}", "", *_table(_own(kind))]
    common = [k for name, k in COMMON.items() if name not in _HOOKS | _DEPENDS]
    out += ["", "#### Every resource section", "", *_table(common)]
    out += [
        "",
        "Hooks: `pre_<action>`, `post_<action>`, `blocking_pre_<action>` and `blocking_post_<action>` "
        "(a command; blocking ones stop the action when they fail) for the actions "
        f"{', '.join(HOOK_ACTIONS)}.",
        "Conditions: `<action>_depends` (OpenSVC v2's name: `<action>_requires`) = `<rid>(<state>,...)` "
        f"for the actions {', '.join(DEPENDS_ACTIONS)}.",
    ]
    out += ["", "#### Accepted and ignored (each named in a warning by `validate`)", ""]
    out += _listed("`[DEFAULT]` keyword", IGNORED_DEFAULT)
    out += ["", *_listed("Resource keyword", IGNORED_RESOURCE)]
    for kind, items in IGNORED_BY_KIND.items():
        out += ["", *_listed(f"`[{kind}#…]` keyword", items)]
    out += ["", "#### Refused, naming the OpenSVC feature", ""]
    values = {
        name: f"only {' or '.join(ok)}: " + why.format(value="…")
        for name, (ok, why) in DEFAULT_VALUES.items()
    }
    out += _listed("`[DEFAULT]` keyword", {**values, **REFUSED_DEFAULT})
    out += ["", *_listed("Resource keyword", REFUSED_RESOURCE)]
    out += ["", *_listed("Section kind", {f"{kind}#…": what for kind, what in REFUSED_SECTIONS.items()})]
    types = {f"[{kind}] type = {name}": what for (kind, name), what in REFUSED_TYPES.items()}
    out += ["", *_listed("Driver", types)]
    out += ["", *_listed("Older keyword", {name: f"write {instead}" for name, instead in LEGACY.items()})]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(keyword_reference(), end="")
