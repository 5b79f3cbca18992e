"""Show an effective service configuration, or its errors, for people (text) and programs (JSON)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from clonepilot.config.depends import DependsCondition
from clonepilot.config.errors import ConfigIssue
from clonepilot.config.models import DevicePair, Resource, Service
from clonepilot.config.schedule import Schedule
from clonepilot.nodes import NodeAddress

_INTERNAL_FIELDS = frozenset({"rid", "group", "hooks", "depends", "origins"})


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, NodeAddress | DevicePair | DependsCondition):
        return str(value)
    if isinstance(value, Schedule):
        return [str(window) for window in value.windows]
    if isinstance(value, frozenset):
        return sorted(_json_value(item) for item in value)
    if isinstance(value, tuple | list):
        return [_json_value(item) for item in value]
    return str(value)


def _text_value(value: Any) -> str:
    if value is None or (isinstance(value, tuple | list | frozenset) and not value):
        return "(none)"
    if isinstance(value, Schedule):
        return str(value)
    if isinstance(value, frozenset):
        return " ".join(sorted(str(item) for item in value))
    if isinstance(value, tuple | list):
        return " ".join(str(item) for item in value)
    return str(value)


def resource_values(resource: Resource) -> Iterator[tuple[str, Any, str]]:
    """(keyword, effective value, origin) for every keyword of a resource; hooks/depends only when set."""
    # The keywords of the resource type first: they are what tells one resource from another.
    common = [name for name in Resource.model_fields if name not in _INTERNAL_FIELDS]
    specific = [name for name in type(resource).model_fields if name not in Resource.model_fields]
    for name in (*specific, *common):
        yield name, getattr(resource, name), resource.origins.get(name, "default")
    for name, command in resource.hooks.items():
        yield name, command, resource.origins.get(name, name)
    for action, conditions in resource.depends.items():
        name = f"{action}_depends"
        yield name, conditions, resource.origins.get(name, name)


def _defaults_values(service: Service) -> Iterator[tuple[str, Any, str]]:
    for name in ("nodes", "drpnodes", "symcli_node", "host_profile", "approval"):
        yield name, getattr(service, name), service.origins.get(name, "default")


def _origin_note(name: str, origin: str) -> str:
    if origin.startswith("default"):
        return f"  [{origin}]"
    if origin != name:
        return f"  [from {origin}]"
    return ""


def _text_block(title: str, values: Iterator[tuple[str, Any, str]]) -> list[str]:
    rows = list(values)
    width = max((len(name) for name, _, _ in rows), default=0)
    lines = [title]
    lines += [
        f"  {name:<{width}} = {_text_value(value)}{_origin_note(name, origin)}"
        for name, value, origin in rows
    ]
    return lines


def service_text(service: Service) -> str:
    """The effective configuration, grouped by resource, with defaults and scoped values marked."""
    lines = [
        f"service {service.name}  ({service.path})",
        f"evaluated for node {service.node}",
        *warnings_lines(service),
        "",
        *_text_block("[DEFAULT]", _defaults_values(service)),
    ]
    for resource in service.resources:
        lines += ["", *_text_block(f"[{resource.rid}]", resource_values(resource))]
    return "\n".join(lines) + "\n"


def warnings_lines(service: Service) -> list[str]:
    """What clonepilot accepts but reads differently or not at all (OpenSVC-only keywords), one per line."""
    if not service.warnings:
        return []
    count = len(service.warnings)
    head = f"{count} warning{'s' if count != 1 else ''}:"
    return ["", head, *(f"  warning: {_located(issue)}" for issue in service.warnings)]


def _located(issue: ConfigIssue) -> str:
    where = f"[{issue.section}]" if issue.section is not None else ""
    if issue.keyword is not None:
        where += f" {issue.keyword}"
    return f"{where}: {issue.message}" if where else issue.message


def _issue_json(issue: ConfigIssue) -> dict[str, Any]:
    return {
        "file": issue.file,
        "section": issue.section,
        "keyword": issue.keyword,
        "message": issue.message,
        "text": str(issue),
    }


def service_json(service: Service) -> dict[str, Any]:
    def block(values: Iterator[tuple[str, Any, str]]) -> dict[str, Any]:
        return {name: {"value": _json_value(value), "origin": origin} for name, value, origin in values}

    return {
        "service": service.name,
        "file": str(service.path),
        "valid": True,
        "node": str(service.node),
        "warnings": [_issue_json(issue) for issue in service.warnings],
        "defaults": block(_defaults_values(service)),
        "resources": [
            {"rid": resource.rid, "kind": resource.kind, "keywords": block(resource_values(resource))}
            for resource in service.resources
        ],
    }


def issues_text(issues: Sequence[ConfigIssue]) -> str:
    return "".join(f"{issue}\n" for issue in issues)


def issues_json(file: str, issues: Sequence[ConfigIssue]) -> dict[str, Any]:
    return {
        "file": file,
        "valid": False,
        "errors": [_issue_json(issue) for issue in issues],
    }
