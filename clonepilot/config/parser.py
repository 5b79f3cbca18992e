"""Read `<services_dir>/<name>.conf` (the seed's INI format) into a validated `Service`.

The whole file is checked and every problem collected before anything is built, so one run of
`clonepilot validate` lists all that is wrong. Scoped keywords (`kw@NODE`, `kw@nodes`,
`kw@drpnodes`) are resolved for one node: the first of `nodes` unless the caller picks another.
"""

from __future__ import annotations

import configparser
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from clonepilot.config import references, tiers
from clonepilot.config import values as v
from clonepilot.config.depends import depends_cycles
from clonepilot.config.errors import ConfigIssue, ServiceConfigError, ServiceNotFoundError
from clonepilot.config.keywords import (
    DEFAULT,
    DEPENDS_ACTIONS,
    HOOK_ACTIONS,
    HOOK_KINDS,
    RESOURCE_KEYWORDS,
    RESOURCE_KINDS,
    SUPPORTED_TYPES,
    TYPE_ALIASES,
    Keyword,
)
from clonepilot.config.models import (
    AnyResource,
    AppResource,
    DevicePair,
    FsResource,
    IpResource,
    Service,
    SymcloneSync,
    VgResource,
)
from clonepilot.config.order import start_order
from clonepilot.config.runnable import runnable_issues
from clonepilot.nodes import NodeAddress

SUFFIX = ".conf"
_SECTION_RE = re.compile(r"^(?P<kind>[A-Za-z_]+)#(?P<name>.*)$")
# OpenSVC's deprecated section names, read as the driver group and type they stand for.
_DEPRECATED_SECTIONS = {"vg": ("disk", "vg")}
_SERVICE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
# configparser merges its default section into every other one; [DEFAULT] here is only the
# service-wide section, so the merging is switched off by naming an impossible default section.
_NO_MERGE_SECTION = "\x00clonepilot-no-default"
_HOOK_NAMES = frozenset(f"{kind}_{action}" for kind in HOOK_KINDS for action in HOOK_ACTIONS)
_DEPENDS_NAMES = {f"{action}_depends": action for action in DEPENDS_ACTIONS}
_MODELS: dict[str, type[AnyResource]] = {
    "sync": SymcloneSync,
    "ip": IpResource,
    "disk": VgResource,
    "fs": FsResource,
    "app": AppResource,
}

# A resolved keyword: its value and the spelling it came from ('default', 'pairs@nodes'...).
Resolved = dict[str, tuple[Any, str]]


@dataclass
class _Issues:
    file: str
    items: list[ConfigIssue] = field(default_factory=list)
    warnings: list[ConfigIssue] = field(default_factory=list)

    def add(self, section: str | None, keyword: str | None, message: str) -> None:
        self.items.append(ConfigIssue(self.file, section, keyword, message))

    def warn(self, section: str | None, keyword: str | None, message: str) -> None:
        self.warnings.append(ConfigIssue(self.file, section, keyword, message))

    def about(self, section: str | None, keyword: str | None) -> bool:
        return any(i.section == section and i.keyword == keyword for i in self.items)


@dataclass(frozen=True)
class _Scope:
    """Which scoped spellings apply to the node the service is evaluated for."""

    node: NodeAddress | None
    nodes: tuple[NodeAddress, ...]
    drpnodes: tuple[NodeAddress, ...]

    @staticmethod
    def _names(node: NodeAddress, scope: str) -> bool:
        return scope.lower() == node.host.lower() or scope == str(node)

    def is_known(self, scope: str) -> bool:
        return scope in ("nodes", "drpnodes") or any(
            self._names(node, scope) for node in (*self.nodes, *self.drpnodes)
        )

    def rank(self, scope: str | None) -> int:
        """Precedence of a spelling for this node: @NODE 2, @nodes/@drpnodes 1, plain 0, -1 if n/a."""
        if scope is None:
            return 0
        if self.node is None:
            return -1
        if scope == "nodes":
            return 1 if self.node in self.nodes else -1
        if scope == "drpnodes":
            return 1 if self.node in self.drpnodes else -1
        return 2 if self._names(self.node, scope) else -1


def list_services(services_dir: Path) -> list[str]:
    """Names of the services defined in `services_dir`, sorted."""
    if not services_dir.is_dir():
        return []
    return sorted(path.stem for path in services_dir.glob(f"*{SUFFIX}") if path.is_file())


def service_path(name: str, services_dir: Path) -> Path:
    """The file of service `name`; ServiceNotFoundError (listing the services found) if none."""
    path = services_dir / f"{name}{SUFFIX}"
    if not _SERVICE_NAME_RE.fullmatch(name) or not path.is_file():
        raise ServiceNotFoundError(name, services_dir, list_services(services_dir))
    return path


def load_service(name: str, services_dir: Path, node: str | None = None) -> Service:
    """Load and validate service `name` from `services_dir`, evaluated for `node` (default: first node)."""
    return load_service_file(service_path(name, services_dir), node=node)


def load_service_file(path: Path, node: str | None = None) -> Service:
    """Load and validate one service file; ServiceConfigError lists every problem found."""
    service, issues = check_service_file(path, node=node)
    if issues or service is None:
        raise ServiceConfigError(path, issues)
    return service


def check_service_file(path: Path, node: str | None = None) -> tuple[Service | None, list[ConfigIssue]]:
    """Validate one service file; return the service (None on any issue) and all issues found.

    Warnings (keywords accepted and ignored) are on the service: `Service.warnings`.
    """
    issues = _Issues(str(path))
    sections = _read_ini(path, issues)
    if sections is None:
        return None, issues.items
    service = _build_service(path, sections, node, issues)
    if issues.items:
        return None, issues.items
    return service, issues.items


def _read_ini(path: Path, issues: _Issues) -> dict[str, dict[str, str]] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        issues.add(None, None, "no such file")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        issues.add(None, None, f"cannot read the file: {exc}")
        return None
    parser = configparser.ConfigParser(
        default_section=_NO_MERGE_SECTION,
        interpolation=None,
        delimiters=("=",),
        strict=True,
        empty_lines_in_values=False,
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keywords and node names keep their case
    try:
        parser.read_string(text, source=str(path))
    except configparser.DuplicateSectionError as exc:
        issues.add(exc.section, None, f"line {exc.lineno}: the section appears twice")
        return None
    except configparser.DuplicateOptionError as exc:
        issues.add(exc.section, exc.option, f"line {exc.lineno}: the keyword is set twice in the section")
        return None
    except configparser.MissingSectionHeaderError as exc:
        issues.add(None, None, f"line {exc.lineno}: a keyword before any [section] header")
        return None
    except configparser.ParsingError as exc:
        for lineno, line in exc.errors:
            issues.add(None, None, f"line {lineno}: not 'keyword = value' nor a [section]: {line.strip()!r}")
        return None
    return {name: dict(parser.items(name, raw=True)) for name in parser.sections()}


def _suggest(keyword: str, table: dict[str, Keyword]) -> str:
    close = difflib.get_close_matches(keyword, list(table), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _resolve(
    section: str, entries: dict[str, str], table: dict[str, Keyword], scope: _Scope, issues: _Issues
) -> Resolved:
    """Convert every spelling (so values for other nodes are checked too), keep the one for this node."""
    chosen: dict[str, tuple[int, Any, str]] = {}
    for key, raw in entries.items():
        keyword, at, scope_name = key.partition("@")
        spec = table.get(keyword)
        if spec is None:
            issues.add(section, key, _unknown(section, keyword, table))
            continue
        if at:
            if not spec.scopable:
                issues.add(section, key, f"'{keyword}' is not scopable: write it without '@{scope_name}'")
                continue
            if not scope_name or (scope.node is not None and not scope.is_known(scope_name)):
                issues.add(
                    section, key, f"scope {scope_name!r} is not 'nodes', 'drpnodes' nor a node of the service"
                )
                continue
        rank = scope.rank(scope_name if at else None)
        if not raw.strip():
            if not spec.allow_empty:
                issues.add(section, key, "empty value")
                continue
            value = spec.default
        else:
            try:
                value = spec.convert(raw)
            except ValueError as exc:
                issues.add(section, key, str(exc))
                continue
        if rank >= 0 and (keyword not in chosen or rank > chosen[keyword][0]):
            chosen[keyword] = (rank, value, key)
    resolved: Resolved = {}
    for name, spec in table.items():
        if name in chosen:
            resolved[name] = (chosen[name][1], chosen[name][2])
        elif spec.required:
            # A keyword already reported (a refused node selector) is not also missing.
            if not any(key.partition("@")[0] == name for key in entries) and not issues.about(section, name):
                issues.add(section, name, _missing(section, name))
        else:
            resolved[name] = (spec.default, "default")
    return resolved


def _unknown(section: str, keyword: str, table: dict[str, Keyword]) -> str:
    if section == "DEFAULT":
        kinds = [kind for kind, keywords in RESOURCE_KEYWORDS.items() if keyword in keywords]
        if kinds:
            # OpenSVC hands a [DEFAULT] value down to every resource that does not set it.
            return (
                f"a keyword of the {'/'.join(kinds)} sections: OpenSVC gives a [DEFAULT] value to every "
                "resource that does not set it; clonepilot reads it only in the sections (sync_max_delay "
                "aside): set it in each section"
            )
    return f"unknown keyword{_suggest(keyword, table)}"


def _missing(section: str, keyword: str) -> str:
    if section == "DEFAULT" and keyword == "nodes":
        return (
            "missing required keyword: OpenSVC's default is the node that holds the file; clonepilot "
            "runs from a controller and must be told: nodes = <host> (or user@host:port)"
        )
    return "missing required keyword"


def _choose_node(
    wanted: str | None, nodes: tuple[NodeAddress, ...], drpnodes: tuple[NodeAddress, ...], issues: _Issues
) -> NodeAddress | None:
    if not nodes:
        return None
    if wanted is None:
        return nodes[0]
    for node in (*nodes, *drpnodes):
        if wanted == str(node) or wanted.lower() == node.host.lower():
            return node
    listed = " ".join(str(node) for node in (*nodes, *drpnodes))
    issues.add("DEFAULT", "nodes", f"cannot evaluate for node {wanted!r}: it is not one of {listed}")
    return None


def _build_service(
    path: Path, sections: dict[str, dict[str, str]], wanted: str | None, issues: _Issues
) -> Service | None:
    defaults_entries = dict(sections.get("DEFAULT", {}))
    _merge_drpnode(defaults_entries, issues)
    refused_nodes = _refuse_node_selectors(defaults_entries, issues)
    # nodes and drpnodes are not scopable: read them first, they define what the scopes mean.
    nodes: tuple[NodeAddress, ...] = ()
    drpnodes: tuple[NodeAddress, ...] = ()
    try:
        nodes = v.to_nodes(defaults_entries.get("nodes", ""))
        drpnodes = v.to_nodes(defaults_entries.get("drpnodes", ""))
    except ValueError:
        pass  # reported with its location by _resolve below
    node = _choose_node(wanted, nodes, drpnodes, issues)
    scope = _Scope(node, nodes, drpnodes)
    context = references.Context(
        service=path.stem, node=node.host if node is not None else None, env=sections.get("env", {})
    )
    # nodes and drpnodes are read above, unexpanded: a reference there is a node selector.
    sections = references.expand_sections(
        sections, context, issues.add, skip={("DEFAULT", name) for name in ("nodes", "drpnodes", "drpnode")}
    )
    expanded_defaults = sections.get("DEFAULT", {})
    defaults_entries = {
        k: (val if k in ("nodes", "drpnodes") else expanded_defaults.get(k, val))
        for k, val in defaults_entries.items()
    }
    for name in refused_nodes:
        defaults_entries.pop(name, None)

    inherited = _inherited_defaults(defaults_entries)
    defaults_entries = tiers.filter_default(defaults_entries, issues)
    defaults = _resolve("DEFAULT", defaults_entries, DEFAULT, scope, issues)
    if "nodes" in defaults and not defaults["nodes"][0]:
        issues.add("DEFAULT", "nodes", "no node given")
    for both in set(nodes) & set(drpnodes):
        issues.add("DEFAULT", "drpnodes", f"node {str(both)!r} is also in nodes")

    rids = [name for name in sections if _section_kind(name) is not None]
    resources: list[AnyResource] = []
    for section, entries in sections.items():
        if section in ("DEFAULT", "env"):
            continue
        if section == "sync#i0":
            issues.warn(
                section,
                None,
                "ignored: OpenSVC's internal sync of the service's own configuration files between nodes",
            )
            continue
        if section.lower() == "default":
            issues.add(
                section,
                None,
                "the service-wide section is [DEFAULT], in capitals: Python's configparser (which OpenSVC "
                "uses too) reads this as a section of its own",
            )
            continue
        kind = _check_section(section, issues)
        if kind is None:
            continue
        # A section with issues is not built: the model would only repeat them less clearly.
        issues_before = len(issues.items)
        if not _type_driven(section, kind, entries, issues):
            continue
        entries = tiers.filter_resource(section, kind, entries, issues)
        from_default = {k: val for k, val in inherited.items() if k not in entries} if kind == "sync" else {}
        entries = {**from_default, **entries}
        if section.partition("#")[0] in _DEPRECATED_SECTIONS:
            entries.setdefault("type", _DEPRECATED_SECTIONS[section.partition("#")[0]][1])
        resolved = _resolve(section, entries, RESOURCE_KEYWORDS[kind], scope, issues)
        for name, (value, origin) in list(resolved.items()):
            if origin in from_default:
                resolved[name] = (value, f"[DEFAULT] {origin}")
        if not _check_type(section, kind, resolved, issues):
            continue
        _check_depends(section, resolved, rids, issues)
        if kind == "disk":
            _check_clone_syncs(section, resolved, rids, issues)
            _merge_vgname(section, resolved, issues)
        if kind == "sync":
            _check_always_on(section, resolved, scope, issues)
        if kind == "app":
            _check_app(
                section, resolved, issues, script_given=any(k.partition("@")[0] == "script" for k in entries)
            )
        if kind == "sync" and not _convert_pairs(section, resolved, issues):
            continue
        if len(issues.items) > issues_before:
            continue
        if kind != section.partition("#")[0]:
            resolved["group"] = (kind, "section name")
        resource = _make_resource(section, kind, resolved, issues)
        if resource is not None:
            resources.append(resource)
    _check_targets_unique([r for r in resources if isinstance(r, SymcloneSync)], issues)

    if issues.items or node is None:
        return None
    symcli_node, _ = defaults["symcli_node"]
    origins = {name: origin for name, (_, origin) in defaults.items()}
    if symcli_node is None:
        symcli_node = node
        origins["symcli_node"] = "default (the service node)"

    def by_kind(kind: str) -> tuple[Any, ...]:
        return tuple(start_order([r for r in resources if r.kind == kind]))

    for kind in RESOURCE_KINDS:
        _warn_text_order([r for r in resources if r.kind == kind], issues)
    try:
        service = Service(
            name=path.stem,
            path=path,
            node=node,
            nodes=nodes,
            drpnodes=drpnodes,
            symcli_node=symcli_node,
            host_profile=defaults["host_profile"][0],
            approval=defaults["approval"][0],
            origins=origins,
            warnings=tuple(issues.warnings),
            syncs=by_kind("sync"),
            ips=by_kind("ip"),
            disks=by_kind("disk"),
            fss=by_kind("fs"),
            apps=by_kind("app"),
        )
    except ValidationError as exc:
        _add_validation_errors("DEFAULT", exc, issues)
        return None
    _check_depends_cycles(service, issues)
    for refusal in runnable_issues(service):
        issues.add(refusal.section, refusal.keyword, refusal.message)
    return None if issues.items else service


def _section_kind(section: str) -> str | None:
    """The driver group of a resource section clonepilot drives; None for any other section."""
    match = _SECTION_RE.match(section)
    if not match:
        return None
    kind = match["kind"]
    if kind in _DEPRECATED_SECTIONS:
        return _DEPRECATED_SECTIONS[kind][0]
    return kind if kind in RESOURCE_KINDS else None


def _check_section(section: str, issues: _Issues) -> str | None:
    """The kind of a resource section, or None once its problem is reported (or warned about)."""
    match = _SECTION_RE.match(section)
    if not match:
        issues.add(
            section,
            None,
            "unknown section: expected DEFAULT, env, or a resource <kind>#<name> with kind sync, ip, "
            "disk (or OpenSVC's older vg), fs or app",
        )
        return None
    kind, name = match["kind"], match["name"]
    driven = _section_kind(section)
    if kind == "subset":
        issues.warn(
            section,
            None,
            "ignored: OpenSVC's subset settings (parallel actions); clonepilot runs a subset's"
            " members one by one",
        )
        return None
    if kind in tiers.REFUSED_SECTIONS:
        issues.add(section, None, f"OpenSVC's {tiers.REFUSED_SECTIONS[kind]}: clonepilot does not drive them")
        return None
    if driven is None:
        issues.add(
            section, None, f"unknown resource kind {kind!r} (clonepilot drives sync, ip, disk, fs and app)"
        )
        return None
    if not v.RID_NAME_RE.fullmatch(name):
        issues.add(
            section,
            None,
            f"resource name {name!r}: clonepilot accepts 1 to 32 letters, digits, _ and - after the '#' "
            "(the name goes into file names on the symcli node)",
        )
        return None
    return driven


def _type_driven(section: str, kind: str, entries: dict[str, str], issues: _Issues) -> bool:
    """False (reported) for a driver clonepilot does not drive: its other keywords would be noise."""
    value = entries.get("type", "").strip()
    refused = tiers.REFUSED_TYPES.get((kind, value))
    if refused is None:
        return True
    issues.add(
        section, "type", f"type = {value} is OpenSVC's {refused} driver, which clonepilot does not drive"
    )
    return False


def _merge_drpnode(entries: dict[str, str], issues: _Issues) -> None:
    """OpenSVC's `drpnode` (the backup node) is the first of clonepilot's drpnodes."""
    if "drpnode" not in entries:
        return
    first = entries.pop("drpnode").strip()
    if not first:
        return
    others = entries.get("drpnodes", "").split()
    if first in others:
        others.remove(first)
    entries["drpnodes"] = " ".join([first, *others])


def _refuse_node_selectors(entries: dict[str, str], issues: _Issues) -> list[str]:
    """The node keywords holding an OpenSVC node selector (reported), emptied in `entries`."""
    refused: list[str] = []
    for name in ("nodes", "drpnodes"):
        raw = entries.get(name, "")
        if any(ch in raw for ch in "*{}="):
            issues.add(
                "DEFAULT",
                name,
                f"{raw.strip()!r} is an OpenSVC node selector (the cluster's nodes, or nodes by label), "
                "which only OpenSVC's cluster can resolve: list the nodes by name",
            )
            entries[name] = ""
            refused.append(name)
    return refused


def _inherited_defaults(entries: dict[str, str]) -> dict[str, str]:
    """[DEFAULT] keywords OpenSVC lets every sync resource inherit: sync_max_delay."""
    return {key: value for key, value in entries.items() if key.partition("@")[0] == "sync_max_delay"}


def _merge_vgname(section: str, resolved: Resolved, issues: _Issues) -> None:
    name = resolved.get("name", (None, "default"))[0]
    old, old_origin = resolved.pop("vgname", (None, "default"))
    if old is not None and name is not None:
        issues.add(section, old_origin, "set name or vgname (OpenSVC's older spelling), not both")
    elif old is not None:
        resolved["name"] = (old, old_origin)
    elif name is None:
        issues.add(section, "name", "missing required keyword (the volume group's name)")


def _check_app(section: str, resolved: Resolved, issues: _Issues, *, script_given: bool) -> None:
    script = resolved.get("script", (None, "default"))[0]
    for action in ("start", "stop", "check", "info") if not script_given else ():
        value, origin = resolved.get(action, (None, "default"))
        if value is not None and value.run and value.command is None and script is None:
            issues.add(
                section,
                origin,
                f"{action} = {'true' if value.order is None else value.order} runs the app's script, "
                "but no script is set: set script = /path/to/launcher, or give the command itself",
            )
    if resolved.get("group", (None, ""))[0] is not None and resolved.get("user", (None, ""))[0] is None:
        issues.add(section, "group", "group needs user: clonepilot switches the group together with the user")
    if script is not None and resolved.get("user", (None, ""))[0] is None:
        issues.warn(
            section,
            "script",
            "OpenSVC runs a script as the script file's owner; clonepilot runs it as the SSH user "
            "unless user is set",
        )


def _warn_text_order(resources: list[AnyResource], issues: _Issues) -> None:
    """OpenSVC orders rids (and app start numbers) as text: say so where that is not numeric order."""
    ordered = start_order(resources)
    numeric = sorted(resources, key=_numeric_key)
    named = [r for r in resources if not r.rid.partition("#")[2].isdigit()]
    if len(resources) > 1 and ordered[0].kind == "sync" and named:
        # The order of clone sets decides which point in time is older: data before logs.
        issues.warn(
            ordered[0].rid,
            None,
            "the clone sets are activated in this order: "
            + ", ".join(r.rid for r in ordered)
            + " (OpenSVC's order: by name, compared as text); the data must come before the logs",
        )
    elif [r.rid for r in ordered] != [r.rid for r in numeric]:
        issues.warn(
            ordered[0].rid,
            None,
            "start order is " + ", ".join(r.rid for r in ordered) + ": OpenSVC compares resource names "
            "and app start numbers as text (10 before 9); clonepilot does the same",
        )


def _numeric_key(resource: AnyResource) -> tuple[int, int, str]:
    order = resource.start_order if isinstance(resource, AppResource) else None
    name = resource.rid.partition("#")[2]
    number = order if order is not None else (int(name) if name.isdigit() else -1)
    return (0 if order is not None or name.isdigit() else 1, number, resource.rid)


def _check_depends_cycles(service: Service, issues: _Issues) -> None:
    """Resources whose `<action>_depends` wait for each other: that action could never run."""
    graph = {r.rid: r.depends for r in service.resources}
    for action, cycle in depends_cycles(graph):
        keyword = f"{action}_depends"
        first = service.resource(cycle[0])
        others = ", ".join(f"[{rid}] {keyword}" for rid in dict.fromkeys(cycle[1:-1]))
        issues.add(
            cycle[0],
            first.origins.get(keyword, keyword),
            f"the conditions wait for each other: {' → '.join(cycle)}, so no {action} can ever run; "
            f"remove one of them (here or in {others})",
        )


def _check_type(section: str, kind: str, resolved: Resolved, issues: _Issues) -> bool:
    if "type" not in resolved:
        return SUPPORTED_TYPES.get(kind) is None
    # Drivers clonepilot does not drive were refused before resolving (_type_driven).
    value, origin = resolved["type"]
    value = str(value).strip()
    supported = SUPPORTED_TYPES.get(kind)
    if supported is None:
        return True
    if value not in supported:
        issues.add(section, origin, f"unsupported type {value!r} (supported: {', '.join(supported)})")
        return False
    resolved["type"] = (TYPE_ALIASES.get((kind, value), value), origin)
    return True


def _check_depends(section: str, resolved: Resolved, rids: list[str], issues: _Issues) -> None:
    for name in _DEPENDS_NAMES:
        conditions, origin = resolved.get(name, ((), "default"))
        for condition in conditions:
            if condition.rid == section:
                issues.add(section, origin, f"{condition.rid!r}: a resource cannot depend on itself")
            elif condition.rid not in rids:
                issues.add(
                    section, origin, f"unknown resource {condition.rid!r} (resources: {', '.join(rids)})"
                )


def _check_clone_syncs(section: str, resolved: Resolved, rids: list[str], issues: _Issues) -> None:
    syncs = [rid for rid in rids if rid.startswith("sync#")]
    wanted, origin = resolved.get("clone_syncs", ((), "default"))
    for rid in wanted:
        if rid not in syncs:
            known = ", ".join(syncs) or "none"
            issues.add(section, origin, f"unknown sync resource {rid!r} (sync resources: {known})")


def _check_always_on(section: str, resolved: Resolved, scope: _Scope, issues: _Issues) -> None:
    for item in resolved.get("always_on", ((), "default"))[0]:
        if scope.node is not None and not scope.is_known(item):
            issues.add(section, "always_on", f"{item!r} is not 'nodes', 'drpnodes' nor a node of the service")


def _convert_pairs(section: str, resolved: Resolved, issues: _Issues) -> bool:
    """Check the pairs against the form (symid + hex ids, or symdg + logical names)."""
    symid, symdg = resolved["symid"][0], resolved["symdg"][0]
    if "pairs" not in resolved:
        return False
    raw_pairs, origin = resolved["pairs"]
    if symid is None and symdg is None:
        issues.add(
            section, "symid", "missing: set symid (with hex device id pairs) or symdg (with logical pairs)"
        )
        return False
    if symid is not None and symdg is not None:
        # The run would drive the group and ignore symid: one of them is a mistake.
        issues.add(
            section,
            "symdg",
            f"symid = {symid} and symdg = {symdg} are both set: keep symid (array form, hex device id "
            "pairs) or symdg (device-group form, logical device pairs), not both",
        )
        return False
    if symdg is not None:
        pattern, what = v.LOGICAL_DEVICE_RE, "logical device name (1 to 32 of A-Z a-z 0-9 _ -)"
    else:
        pattern, what = v.HEX_DEVICE_RE, "hex device id (4 or 5 hex digits, e.g. 00B60)"
    ok = True
    seen: dict[Any, str] = {}
    pairs: list[DevicePair] = []
    for source, target in raw_pairs:
        bad = [device for device in (source, target) if not pattern.fullmatch(device)]
        if bad:
            issues.add(section, origin, f"pair {source}:{target}: {bad[0]!r} is not a {what}")
            ok = False
            continue
        src_key, tgt_key = _device_keys(symdg, source, target)
        if src_key == tgt_key:
            issues.add(section, origin, f"pair {source}:{target}: the target is its own source")
            ok = False
        if tgt_key in seen:
            issues.add(
                section, origin, f"pair {source}:{target}: target {target} is already used by {seen[tgt_key]}"
            )
            ok = False
        seen[tgt_key] = f"{source}:{target}"
        pairs.append(DevicePair(source=source, target=target))
    resolved["pairs"] = (tuple(pairs), origin)
    return ok


def _device_keys(symdg: str | None, source: str, target: str) -> tuple[Any, Any]:
    if symdg is not None:
        return source, target
    return v.device_key(source), v.device_key(target)


def _check_targets_unique(syncs: list[SymcloneSync], issues: _Issues) -> None:
    """A clone target driven by two resources would be recreated under the other's feet."""
    owners: dict[tuple[str, str, Any], str] = {}
    for sync in syncs:
        for pair in sync.pairs:
            if sync.symdg is not None:
                key: tuple[str, str, Any] = ("symdg", sync.symdg, pair.target)
            else:
                key = ("symid", str(int(sync.symid or "0")), v.device_key(pair.target))
            if key in owners and owners[key] != sync.rid:
                issues.add(
                    sync.rid,
                    sync.origins.get("pairs", "pairs"),
                    f"target {pair.target} is also a target of {owners[key]}",
                )
            owners.setdefault(key, sync.rid)


def _make_resource(section: str, kind: str, resolved: Resolved, issues: _Issues) -> AnyResource | None:
    fields: dict[str, Any] = {"rid": section}
    hooks: dict[str, str] = {}
    depends: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name, (value, origin) in resolved.items():
        if name in _HOOK_NAMES:
            if value is not None:
                hooks[name] = value
                origins[name] = origin
        elif name in _DEPENDS_NAMES:
            if value:
                depends[_DEPENDS_NAMES[name]] = value
                origins[name] = origin
        else:
            fields[name] = value
            origins[name] = origin
    try:
        return _MODELS[kind](**fields, hooks=hooks, depends=depends, origins=origins)
    except ValidationError as exc:
        _add_validation_errors(section, exc, issues)
        return None


def _add_validation_errors(section: str, exc: ValidationError, issues: _Issues) -> None:
    for error in exc.errors():
        keyword = ".".join(str(part) for part in error["loc"]) or None
        issues.add(section, keyword, error["msg"])
