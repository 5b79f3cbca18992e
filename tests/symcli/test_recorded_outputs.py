"""Every recorded SYMCLI output in tests/fixtures/symcli/ goes through its parser.

One JSON file per case (pyinfra style): the command, exit code, stdout, stderr and the
expected object in plain JSON form. Add a case by adding a file; nothing here changes.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from clonepilot.symcli import (
    SymcliError,
    SymcliParseError,
    SymcliPermanent,
    SymcliRetryable,
    classify,
    control_success_lines,
    interpret_verify,
    parse_clone_query,
    parse_symcfg_list,
    parse_symdev_list,
)
from clonepilot.symcli.models import SymDevice

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "symcli"
CASES = sorted(FIXTURES.glob("*.json"))
ERROR_CLASSES: dict[str, type[SymcliError]] = {
    "SymcliParseError": SymcliParseError,
    "SymcliPermanent": SymcliPermanent,
    "SymcliRetryable": SymcliRetryable,
}


def plain(value: Any) -> Any:
    """Dataclasses, enums and datetimes as the JSON the fixtures hold."""
    if isinstance(value, SymDevice):
        fields = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {**fields, "visible": value.visible}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    return value


def _classify(case: dict[str, Any]) -> Any:
    error = classify(case["command"], case["exit_code"], case["stdout"], case["stderr"])
    if error is not None:
        raise error
    return None


PARSERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "symdev_list": lambda case: parse_symdev_list(case["stdout"]),
    "clone_query": lambda case: parse_clone_query(case["stdout"]),
    "symcfg_list": lambda case: parse_symcfg_list(case["stdout"]),
    "verify": lambda case: interpret_verify(
        case["exit_code"], case["stdout"], case["stderr"], argv=case["command"]
    ),
    "control": lambda case: control_success_lines(case["stdout"], case["stderr"]),
    "error": _classify,
}


def test_fixture_directory_is_populated() -> None:
    assert len(CASES) >= 30, f"expected the recorded outputs in {FIXTURES}"


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_recorded_output(path: Path) -> None:
    case = json.loads(path.read_text())
    parse = PARSERS[case["parser"]]
    expected = case["expected"]
    if isinstance(expected, dict) and "error" in expected:
        with pytest.raises(SymcliError) as info:
            parse(case)
        error = info.value
        assert type(error) is ERROR_CLASSES[expected["error"]]
        assert error.kind.value == expected["kind"]
        if "message_contains" in expected:
            assert expected["message_contains"] in str(error)
        if case["parser"] != "symdev_list" and case["parser"] != "clone_query":
            # The SYMCLI text must reach the user verbatim, with the command that produced it.
            assert (case["stderr"].strip() or case["stdout"].strip()) in str(error)
            assert case["command"][0] in str(error)
        return
    assert plain(parse(case)) == expected
