"""Write service files into a temporary services directory and look for expected issues."""

from __future__ import annotations

import textwrap
from pathlib import Path

from clonepilot.config import ConfigIssue, check_service_file

BASE = """\
[DEFAULT]
nodes = node1 node2
drpnodes = drp1

[sync#1]
type = symclone
symid = 000197900123
pairs = 00B60:00B61 00B62:00B63
"""


def write_service(directory: Path, text: str, name: str = "svc") -> Path:
    path = directory / f"{name}.conf"
    path.write_text(textwrap.dedent(text))
    return path


def issues_of(directory: Path, text: str, node: str | None = None) -> tuple[Path, list[ConfigIssue]]:
    path = write_service(directory, text)
    service, issues = check_service_file(path, node=node)
    assert (service is None) == bool(issues)
    return path, issues


def find_issue(
    path: Path, issues: list[ConfigIssue], section: str | None, keyword: str | None, fragment: str
) -> ConfigIssue:
    """The issue at section/keyword whose message holds `fragment`; its text must name all three."""
    for issue in issues:
        if issue.section == section and issue.keyword == keyword and fragment in issue.message:
            text = str(issue)
            assert text.startswith(str(path)), text
            if section is not None:
                assert f"[{section}]" in text, text
            if keyword is not None:
                assert f"] {keyword}: " in text, text
            return issue
    raise AssertionError(f"no issue [{section}] {keyword} ~ {fragment!r} in:\n" + "\n".join(map(str, issues)))
