"""What a host's SYMCLI installation and device groups hold: read-only builders and pure parsers.

`symcli` with no argument prints the Solutions Enabler banner (two lines, SYMCLI then SYMAPI);
`symdg -g DG list ld -output xml_e` lists a device group's logical devices with their array ids.
The preflight check (clonepilot.check) is their only user; the refresh never needs them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from clonepilot.symcli import validate
from clonepilot.symcli.errors import SymcliParseError

# Both version lines of the real banner (tests/fixtures/real/om3-25-symcli_version.txt).
_SYMCLI_LINE = re.compile(
    r"\(SYMCLI\)\s+Version\s+(?P<version>V?[0-9][0-9A-Za-z.]*)(?:\s*\(Edit\s+Level:\s*(?P<edit>\d+)\))?",
    re.I,
)
_SYMAPI_LINE = re.compile(
    r"SYMAPI\s+Version\s+(?P<version>V?[0-9][0-9A-Za-z.]*)(?:\s*\(Edit\s+Level:\s*(?P<edit>\d+)\))?", re.I
)


def symcli_version(bin_dir: str) -> list[str]:
    """`<bin>/symcli`, no argument: it only prints the version banner."""
    validate.abs_path(bin_dir, "symcli bin directory")
    return [f"{bin_dir.rstrip('/')}/symcli"]


def symdg_list_ld(bin_dir: str, dg: str) -> list[str]:
    """`symdg -g DG list ld -output xml_e`: the group's logical devices and their array ids."""
    validate.abs_path(bin_dir, "symcli bin directory")
    return [
        f"{bin_dir.rstrip('/')}/symdg",
        "-g",
        validate.group_name(dg),
        "list",
        "ld",
        "-output",
        "xml_e",
    ]


@dataclass(frozen=True)
class SymcliVersion:
    """`V10.1.0.0`, edit level 2752, for SYMCLI and the SYMAPI it was built with."""

    version: str
    edit_level: int | None
    symapi_version: str | None
    symapi_edit_level: int | None

    @property
    def major(self) -> int | None:
        match = re.match(r"V?(\d+)", self.version, re.I)
        return int(match.group(1)) if match else None

    def __str__(self) -> str:
        text = f"SYMCLI {self.version}"
        if self.edit_level is not None:
            text += f" (edit level {self.edit_level})"
        if self.symapi_version is not None:
            text += f", SYMAPI {self.symapi_version}"
            if self.symapi_edit_level is not None:
                text += f" (edit level {self.symapi_edit_level})"
        return text


def parse_symcli_version(text: str) -> SymcliVersion:
    """The banner of `symcli` → its versions; SymcliParseError when there is no SYMCLI version line."""
    symcli = _SYMCLI_LINE.search(text)
    if symcli is None:
        flat = " ".join(text.split())[:120]
        raise SymcliParseError(f"symcli: no 'SYMCLI Version' line in its output ({flat!r})")
    symapi = _SYMAPI_LINE.search(text, symcli.end())
    return SymcliVersion(
        version=symcli.group("version"),
        edit_level=int(symcli.group("edit")) if symcli.group("edit") else None,
        symapi_version=symapi.group("version") if symapi else None,
        symapi_edit_level=int(symapi.group("edit")) if symapi and symapi.group("edit") else None,
    )


@dataclass(frozen=True)
class GroupDevice:
    """One `Device` of `symdg list ld`: its logical name in the group and its id on the array."""

    ld_name: str
    dev_name: str
    configuration: str | None
    status: str | None
    pd_name: str | None


@dataclass(frozen=True)
class GroupListing:
    """A device group as `symdg -g DG list ld -output xml_e` shows it."""

    name: str | None
    dg_type: str | None
    symid: str | None
    devices: tuple[GroupDevice, ...]

    def logical(self, ld_name: str) -> GroupDevice | None:
        """The device with that logical name; SYMCLI names compare case-insensitively here."""
        wanted = ld_name.lower()
        return next((dev for dev in self.devices if dev.ld_name.lower() == wanted), None)

    def device(self, dev_id: str) -> GroupDevice | None:
        """The device with that array id, whatever width either is written at (0025, 00025)."""
        wanted = validate.normalise_dev_id(dev_id)
        return next((d for d in self.devices if validate.normalise_dev_id(d.dev_name) == wanted), None)


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def parse_symdg_list_ld(text: str) -> GroupListing:
    """`symdg -g DG list ld -output xml_e` → the group's devices (tests/fixtures/real/osvc-list_pd_*)."""
    start = text.find("<?xml")
    if start < 0:
        start = text.find("<SymCLI_ML")
    if start < 0:
        raise SymcliParseError("symdg list ld: no XML document in the output")
    try:
        root = ET.fromstring(text[start:])
    except ET.ParseError as exc:
        raise SymcliParseError(f"symdg list ld: malformed XML: {exc}") from exc
    group = root.find("DG")
    if root.tag != "SymCLI_ML" or group is None:
        raise SymcliParseError("symdg list ld: expected <SymCLI_ML><DG>")
    devices: list[GroupDevice] = []
    for element in group.iter("Device"):
        dev_name = _text(element, "Dev_Info/dev_name")
        ld_name = _text(element, "Dev_Info/ld_name")
        if dev_name is None or ld_name is None:
            raise SymcliParseError("symdg list ld: a <Device> lacks Dev_Info/dev_name or Dev_Info/ld_name")
        devices.append(
            GroupDevice(
                ld_name=ld_name,
                dev_name=dev_name,
                configuration=_text(element, "Dev_Info/configuration"),
                status=_text(element, "Dev_Info/status"),
                # The host path sits under the front-end port here, not in Dev_Info as in symdev.
                pd_name=_text(element, "Front_End/Port/pd_name") or _text(element, "Dev_Info/pd_name"),
            )
        )
    return GroupListing(
        name=_text(group, "DG_Info/name"),
        dg_type=_text(group, "DG_Info/type"),
        symid=_text(group, "DG_Info/symid"),
        devices=tuple(devices),
    )
