"""`symdg` renderings: `show` (jreypo-02, notes-05/06), `list` (jreypo-01), `list ld` XML (osvc-list_pd_*).

Members added with -tgt are shown where SYMCLI shows a group's BCVs ("BCV Devices
Locally-associated"): the real captures with clone targets in a group have them there (notes-06).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from symsim import xmltree

LABEL = 45  # "Number of Remotely-associated VDEV's(STD RDF)" is the longest label
DASHES = "-" * 82


@dataclass(frozen=True)
class Member:
    ldev: str
    dev: str  # as this tool prints it (dialect dev_width)
    tgt: bool
    config: str
    ready: bool
    megabytes: float
    pd_name: str | None  # None: the host sees no path to it
    array_dev: str = ""  # the id in the array's own width, to ask the host simulator about it


def _line(label: str, value: str) -> str:
    return f"    {label:<{LABEL}}: {value}"


def _count(label: str, value: int) -> str:
    return f"    {label:<{LABEL}}:{value:>5}"


def _cap(megabytes: float) -> int:
    # notes-05 shows a 33000-track (64 KB) device, 2062.5 MB, as 2063: halves round up.
    return math.floor(megabytes + 0.5)


def _table(title: str, members: list[Member]) -> list[str]:
    pad = " " * 8
    lines = [
        f"    {title} ({len(members)}):",
        f"{pad}{{",
        f"{pad}{DASHES}",
        f"{pad}{'':<46}Sym  Device{'':<21}Cap",
        f"{pad}LdevName              PdevName                Dev  Config        Att. Sts     (MB)",
        f"{pad}{DASHES}",
    ]
    for m in members:
        sts = "RW" if m.ready else "NR"
        lines.append(
            # A 5-digit id takes its extra digit from the Config column, which stays aligned.
            f"{pad}{m.ldev:<21} {m.pd_name or 'N/A':<23} {m.dev:<4} {m.config:<{17 - len(m.dev)}} "
            f"{'':<4} {sts:<3}{_cap(m.megabytes):>9}"
        )
    return [*lines, f"{pad}}}"]


def show(group: dict[str, Any], created: str, members: list[Member]) -> str:
    stds = [m for m in members if not m.tgt]
    tgts = [m for m in members if m.tgt]
    lines = [
        "",
        f"Group Name:  {group['name']}",
        "",
        _line("Group Type", group["type"]),
        _line("Device Group in GNS", "No"),
        _line("Valid", "Yes"),
        _line("Symmetrix ID", group["sid"] or "N/A"),
        _line("Group Creation Time", created),
        _line("Vendor ID", "EMC Corp"),
        _line("Application ID", "SYMCLI"),
        "",
        _count("Number of STD Devices in Group", len(stds)),
        _count("Number of Associated GK's", 0),
        _count("Number of Locally-associated BCV's", len(tgts)),
        _count("Number of Locally-associated VDEV's", 0),
        _count("Number of Remotely-associated VDEV's(STD RDF)", 0),
        _count("Number of Remotely-associated BCV's (STD RDF)", 0),
        _count("Number of Remotely-associated BCV's (BCV RDF)", 0),
        _count("Number of Remotely-assoc'd RBCV's (RBCV RDF) ", 0),
        "",
        *_table("Standard (STD) Devices", stds),
    ]
    if tgts:
        lines += ["", *_table("BCV Devices Locally-associated", tgts)]
    return "\n".join([*lines, ""])


def group_list(groups: list[dict[str, Any]]) -> str:
    lines = [
        "",
        "                       D E V I C E      G R O U P S",
        "",
        "                                                          Number of",
        " Name               Type     Valid  Symmetrix ID  Devs   GKs  BCVs  VDEVs",
        "",
    ]
    for g in groups:
        stds = sum(not m["tgt"] for m in g["devs"])
        tgts = sum(bool(m["tgt"]) for m in g["devs"])
        lines.append(
            f" {g['name']:<18} {g['type']:<8} Yes    {g['sid'] or 'N/A':<12}{stds:>6}{0:>6}{tgts:>6}{0:>7}"
        )
    return "\n".join([*lines, ""])


def list_ld_xml(group: dict[str, Any], members: list[Member]) -> str:
    """osvc-list_pd_mixed: DG_Info, then one Device per member, indented by 4 as there."""
    devices: list[xmltree.Node] = [
        (
            "Device",
            [
                (
                    "Dev_Info",
                    [
                        ("dev_name", m.dev),
                        ("configuration", m.config),
                        ("ld_name", m.ldev),
                        ("status", "Ready" if m.ready else "Not Ready"),
                    ],
                ),
                # Real STD devices say N/A; what a -tgt member says was never seen.
                ("Flags", [("meta", "None"), ("bcv_in_this_dg", "Yes" if m.tgt else "N/A")]),
                ("Capacity", [("megabytes", str(math.floor(m.megabytes)))]),
                (
                    "Front_End",
                    [
                        (
                            "Port",
                            [("pd_name", m.pd_name or "Not Visible"), ("director", "01D"), ("port", "25")],
                        )
                    ],
                ),
                ("Back_End", [("Disk", [("director", "N/A"), ("interface", "N/A"), ("tid", "N/A")])]),
            ],
        )
        for m in members
    ]
    info: xmltree.Node = (
        "DG_Info",
        [("name", group["name"]), ("type", group["type"]), ("symid", group["sid"] or "N/A")],
    )
    return xmltree.document([("DG", [info, *devices])], step=4)
