"""Which parts of a SYMCLI output the parsers read, knowingly skip, or do not understand.

For a bug report or a new test fixture, what matters is what a real array printed that clonepilot
has never seen: a new element under `CLONE_Device`, a new state line in a query. Each output kind
lists the element paths (XML) or line shapes (text) its parser reads and those it skips on purpose;
anything else is "not understood". Skipped on purpose means known and irrelevant to clone pairs:
RDF, capacity, front-end ports, device flags. A clone element clonepilot does not read is never
skipped silently, except the `clone_state_flags` a real consumer shows (evidence-lkone91).

Paths are relative to `<SymCLI_ML>`, segments separated by `/`; in a pattern `*` is one segment
and a trailing `/**` the element itself and everything below it.
"""

from __future__ import annotations

import enum
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass


class OutputKind(enum.StrEnum):
    SYMCLI_VERSION = "symcli_version"
    SYMCFG_LIST = "symcfg_list"
    SYMDEV_LIST = "symdev_list"
    SYMDG_LIST_LD = "symdg_list_ld"
    SYMCLONE_QUERY = "symclone_query"
    HOST_PROGRAMS = "host_programs"


@dataclass(frozen=True)
class XmlShape:
    read: tuple[str, ...]
    skipped: tuple[str, ...]


@dataclass(frozen=True)
class LineShape:
    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class TextShape:
    read: tuple[LineShape, ...]
    skipped: tuple[LineShape, ...]


@dataclass(frozen=True)
class Unread:
    """Something no parser reads: an element path (and how often) or a line (and its number)."""

    where: str
    sample: str
    count: int = 1

    def __str__(self) -> str:
        times = f" (x{self.count})" if self.count > 1 else ""
        sample = f": {self.sample!r}" if self.sample else ""
        return f"{self.where}{times}{sample}"


@dataclass(frozen=True)
class Coverage:
    kind: str
    read: tuple[str, ...]
    skipped: tuple[str, ...]
    not_understood: tuple[Unread, ...]
    problem: str | None = None  # the output could not be looked at (not XML where XML was expected)

    @property
    def complete(self) -> bool:
        return not self.not_understood and self.problem is None

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "read": list(self.read),
            "skipped": list(self.skipped),
            "not_understood": [
                {"where": u.where, "sample": u.sample, "count": u.count} for u in self.not_understood
            ],
            "problem": self.problem,
        }


def _line(name: str, regex: str) -> LineShape:
    return LineShape(name, re.compile(regex, re.I))


# Dev_Info attributes of real verbose listings (om3-06, om3-08): known, not about clone pairs.
_DEV_INFO_SKIPPED = [
    "SRP_name",
    "as400_gk",
    "attached_bcv",
    "cache_partition_name",
    "data_destaged",
    "device_group",
    "device_tag",
    "dif1",
    "emulation",
    "encapsulated",
    "encapsulated_array_id",
    "encapsulated_device_name",
    "encapsulated_wwn",
    "extent_based_clone",
    "host_access_mode",
    "host_cache_registered",
    "ld_name",
    "number_of_raid_groups",
    "optimized_read_miss",
    "sa_status",
    "service_state",
    "snapvx_source",
    "snapvx_target",
    "ssid",
    "thin_pool_name",
    "user_pin",
    "dev_ident_name",
    "Group_List/**",
]
# Whole sections of a verbose device that hold nothing about clone sessions.
_DEVICE_SECTIONS_SKIPPED = [
    "Attached",
    "Back_End",
    "Capacity",
    "Device_External_Identity",
    "Flags",
    "Front_End",
    "Label",
    "Mirror_Set",
    "Product",
    "RDF",
    "device_geometry",
    "BCV_Pair",
    "RCopy_Device",
]

_DEVICE = "Symmetrix/Device"
_CLONE = f"{_DEVICE}/CLONE_Device"

XML_SHAPES: dict[OutputKind, XmlShape] = {
    OutputKind.SYMDEV_LIST: XmlShape(
        read=(
            "Symmetrix",
            "Symmetrix/Symm_Info",
            "Symmetrix/Symm_Info/symid",
            _DEVICE,
            f"{_DEVICE}/Dev_Info",
            *(f"{_DEVICE}/Dev_Info/{name}" for name in ("dev_name", "pd_name", "status", "configuration")),
            _CLONE,
            *(f"{_CLONE}/{name}" for name in ("SRC", "SRC/dev_name", "TGT", "TGT/dev_name", "state")),
            # The parser reads either percent element (the reference's and the real consumer's).
            *(f"{_CLONE}/{name}" for name in ("percent", "percent_copied", "last_action")),
        ),
        skipped=(
            "Symmetrix/Symm_Info/*",
            *(f"{_DEVICE}/Dev_Info/{name}" for name in _DEV_INFO_SKIPPED),
            *(f"{_DEVICE}/{name}/**" for name in _DEVICE_SECTIONS_SKIPPED),
            f"{_CLONE}/clone_state_flags/**",
        ),
    ),
    OutputKind.SYMDG_LIST_LD: XmlShape(
        read=(
            "DG",
            "DG/DG_Info",
            *(f"DG/DG_Info/{name}" for name in ("name", "type", "symid")),
            "DG/Device",
            "DG/Device/Dev_Info",
            *(
                f"DG/Device/Dev_Info/{n}"
                for n in ("dev_name", "ld_name", "configuration", "status", "pd_name")
            ),
            "DG/Device/Front_End",
            "DG/Device/Front_End/Port",
            "DG/Device/Front_End/Port/pd_name",
        ),
        skipped=(
            "DG/DG_Info/*",
            "DG/Device/Front_End/Port/*",
            *(f"DG/Device/{name}/**" for name in ("Flags", "Capacity", "Back_End", "Product")),
        ),
    ),
    OutputKind.SYMCFG_LIST: XmlShape(
        read=(
            "Symmetrix",
            "Symmetrix/Symm_Info",
            *(
                f"Symmetrix/Symm_Info/{n}"
                for n in ("symid", "attachment", "model", "microcode_version", "mcode")
            ),
        ),
        skipped=("Symmetrix/Symm_Info/*",),
    ),
}

_DASHES = _line("rule", r"^[\s-]+$")
TEXT_SHAPES: dict[OutputKind, TextShape] = {
    OutputKind.SYMCLI_VERSION: TextShape(
        read=(
            _line("SYMCLI version", r"^\s*Symmetrix Command Line Interface \(SYMCLI\) Version\s"),
            _line("SYMAPI version", r"^\s*built with SYMAPI Version\s"),
        ),
        skipped=(),
    ),
    OutputKind.SYMCFG_LIST: TextShape(
        # SymmID, Attachment, Model, Mcode, Cache, Num Phys, Num Symm: what parse_symcfg_list reads.
        read=(_line("array row", r"^\s*\d{3,12}\s+(?:local|remote)\s+\S.*\s\S+\s+\d+\s+\d+\s+\d+\s*$"),),
        skipped=(
            _line("title", r"^\s*S Y M M E T R I X\s*$"),
            _line("column heads", r"^\s*Mcode\s+Cache\s+Num Phys\s+Num Symm\s*$"),
            _line(
                "column heads",
                r"^\s*SymmID\s+Attachment\s+Model\s+Version\s+Size \(MB\)\s+Devices\s+Devices\s*$",
            ),
            _DASHES,
        ),
    ),
    OutputKind.SYMCLONE_QUERY: TextShape(
        read=(
            _line("group name", r"^\s*Device\s+Group\s+\(DG\)\s+Name\s*:"),
            _line("group type", r"^\s*DG's\s+Type\s*:"),
            _line("array id", r"^\s*(?:DG's\s+)?Symmetrix\s+ID\s*:"),
            _line(
                "pair row",
                r"^\s*(?:\S+\s+)?[0-9A-F]{1,8}\s+\d+\s+\d+\s+(?:\S+\s+)?[0-9A-F]{1,8}\s+\d+\s+[X.]{4}\s+\S+"
                r"\s+(?:\d+|N/A)\s*$",
            ),
            _line("total tracks", r"^\s*Track\(s\)(?:\s+\d+){3}\s*$"),
            _line("total MB", r"^\s*MB\(s\)(?:\s+[\d.]+){3}\s*$"),
            _line("no session", r"do(?:es)?\s+not\s+form\s+a\s+copy\s+session"),
            _line("no session", r"does\s+not\s+have\s+any\s+devices\s+that\s+are\s+clone\s+source"),
        ),
        skipped=(
            _line("column heads", r"^\s*Source\s+Device\s+Target\s+Device\s+State\s+Copy\s*$"),
            _line("column heads", r"^\s*Protected\s+Modified\s+Modified\s*$"),
            _line(
                "column heads", r"^\s*(?:Logical\s+)?Sym\s+Tracks\s+Tracks\s+(?:Logical\s+)?Sym\s+Tracks\s+"
            ),
            _line("totals rule", r"^\s*Total\s+[-\s]+$"),
            _line("legend", r"^\s*Legend\b"),
            _line("legend", r"^\s*\([A-Z]\):\s"),
            _line("legend", r"^\s*[X.]\s+=\s"),
            _DASHES,
        ),
    ),
    OutputKind.HOST_PROGRAMS: TextShape(
        read=(_line("program found", r"^found\t\S"), _line("program missing", r"^missing\t\S")),
        skipped=(),
    ),
}


def _matches(pattern: str, path: str) -> bool:
    want, have = pattern.split("/"), path.split("/")
    if want[-1] == "**":
        want = want[:-1]
        if len(have) < len(want):
            return False
        have = have[: len(want)]
    elif len(want) != len(have):
        return False
    return all(w in ("*", h) for w, h in zip(want, have, strict=True))


def _walk(element: ET.Element, prefix: str = "") -> Iterator[tuple[str, ET.Element]]:
    for child in element:
        path = f"{prefix}/{child.tag}" if prefix else child.tag
        yield path, child
        yield from _walk(child, path)


def _leaf_sample(element: ET.Element) -> str:
    if len(element):
        return ""
    return " ".join((element.text or "").split())[:80]


def xml_coverage(kind: OutputKind, text: str) -> Coverage:
    shape = XML_SHAPES[kind]
    start = text.find("<?xml")
    if start < 0:
        start = text.find("<SymCLI_ML")
    if start < 0:
        return Coverage(str(kind), (), (), (), "no XML document in the output")
    try:
        root = ET.fromstring(text[start:])
    except ET.ParseError as exc:
        return Coverage(str(kind), (), (), (), f"malformed XML: {exc}")
    read: dict[str, None] = {}
    skipped: dict[str, None] = {}
    samples: dict[str, str] = {}
    counts: dict[str, int] = {}
    for path, element in _walk(root):
        if any(_matches(pattern, path) for pattern in shape.read):
            read[path] = None
        elif any(_matches(pattern, path) for pattern in shape.skipped):
            skipped[path] = None
        elif path in counts:
            counts[path] += 1
        elif not any(path.startswith(f"{top}/") for top in counts):
            # Only the top of an unknown subtree: its children would only repeat it.
            samples[path], counts[path] = _leaf_sample(element), 1
    unread = tuple(Unread(path, samples[path], count) for path, count in counts.items())
    return Coverage(str(kind), tuple(read), tuple(skipped), unread)


def text_coverage(kind: OutputKind, text: str) -> Coverage:
    shape = TEXT_SHAPES[kind]
    read: dict[str, None] = {}
    skipped: dict[str, None] = {}
    unread: list[Unread] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        hit = next((s for s in shape.read if s.pattern.search(line)), None)
        if hit is not None:
            read[hit.name] = None
            continue
        hit = next((s for s in shape.skipped if s.pattern.search(line)), None)
        if hit is not None:
            skipped[hit.name] = None
            continue
        unread.append(Unread(f"line {number}", line.strip()[:120]))
    return Coverage(str(kind), tuple(read), tuple(skipped), tuple(unread))


def coverage(kind: OutputKind | str, text: str) -> Coverage:
    """What the parser of `kind` reads, skips and does not understand in this output."""
    kind = OutputKind(kind)
    if kind is OutputKind.SYMCFG_LIST and "<SymCLI_ML" in text:
        return xml_coverage(kind, text)
    if kind in XML_SHAPES and kind not in TEXT_SHAPES:
        return xml_coverage(kind, text)
    return text_coverage(kind, text)


def not_understood(kind: OutputKind | str, text: str) -> tuple[Unread, ...]:
    return coverage(kind, text).not_understood


def kinds() -> Sequence[OutputKind]:
    return tuple(OutputKind)
