"""Strict value checks shared by the command builders.

Builders receive values that config validation already accepted; they check again because an
argv element that starts with '-' or carries whitespace would change what SYMCLI does, and
a second, local check is cheap compared with a wrong clone action on an array.
"""

from __future__ import annotations

import re

_DEV_ID = re.compile(r"^[0-9A-Fa-f]{1,8}$")
_SID = re.compile(r"^[0-9]{3,12}$")
# A leading '-' is refused too: SYMCLI would read the name as an option.
_GROUP_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,31}$")
_SERVICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# OpenSVC rids are `<family>#<name>`; '-' and '.' are kept out so that the file name
# mapping below stays one-to-one.
_RID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}(?:#[A-Za-z0-9_-]{1,32})?$")
_BAD_PATH_CHARS = re.compile(r"[\s\x00]")


def dev_id(value: str) -> str:
    """An array device id: 1-8 hex digits (4 or 5 in practice)."""
    if not isinstance(value, str) or not _DEV_ID.match(value):
        raise ValueError(f"invalid Symmetrix device id {value!r}: expected 1-8 hex digits, e.g. 00B60")
    return value


def sid(value: str) -> str:
    """An array id, full (12 digits) or a unique trailing part (at least 3 digits)."""
    if not isinstance(value, str) or not _SID.match(value):
        raise ValueError(f"invalid Symmetrix ID {value!r}: expected 3 to 12 digits")
    return value


def group_name(value: str, what: str = "device group name") -> str:
    """A device group or logical device name."""
    if not isinstance(value, str) or not _GROUP_NAME.match(value):
        raise ValueError(f"invalid {what} {value!r}: expected 1-32 of [A-Za-z0-9_-], not starting with '-'")
    return value


def abs_path(value: str, what: str = "path") -> str:
    """An absolute path with no whitespace or NUL (it becomes a single argv element)."""
    if not isinstance(value, str) or not value.startswith("/") or _BAD_PATH_CHARS.search(value):
        raise ValueError(f"invalid {what} {value!r}: expected an absolute path without whitespace")
    if any(part == ".." for part in value.split("/")):
        raise ValueError(f"invalid {what} {value!r}: '..' components are not allowed")
    return value


def service_name(value: str) -> str:
    if not isinstance(value, str) or not _SERVICE.match(value):
        raise ValueError(
            f"invalid service name {value!r}: expected 1-64 of [A-Za-z0-9_-], not starting with '-'"
        )
    return value


def resource_id(value: str) -> str:
    if not isinstance(value, str) or not _RID.match(value):
        raise ValueError(
            f"invalid resource id {value!r}: expected e.g. 'sync#1' or 'sync#arch-logs' (a kind, '#', "
            "then letters, digits, _ and -)"
        )
    return value


def positive_int(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"invalid {what} {value!r}: expected a positive integer")
    return value


def normalise_dev_id(value: str) -> str:
    """Compare form of a device id: upper case, no leading zeros ('00b60' == '0B60')."""
    return value.upper().lstrip("0") or "0"
