"""`symdev list -output xml_e` records: the verbose one of om3-08 (`-v`) and the short one of om3-05.

Values that describe hardware the simulator does not model (ports, mirrors, RAID groups) are fixed
as on the real PowerMax of those captures. `CLONE_Device` (one per session the device takes part
in, as its source or its target) follows the paths real consumers read (evidence-lkone91-*).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from symsim.timefmt import asctime
from symsim.xmltree import Node, document

# Two front-end ports, as a device masked to one host through two directors.
PORTS = (("01D", "25"), ("02D", "24"))
TRACKS_PER_CYLINDER = 15


@dataclass(frozen=True)
class Session:
    src: str
    tgt: str
    state: str
    percent: int
    last_action: float
    copy: bool
    diff: bool


@dataclass
class DeviceFacts:
    dev: str
    status: str  # "Ready" or "Not Ready"
    config: str
    tracks: int
    track_kb: int
    wwn: str
    pd_name: str = "Not Visible"
    sessions: list[Session] = field(default_factory=list)


@dataclass(frozen=True)
class Style:
    """The dialect values this document depends on."""

    percent_element: str = "percent_copied"
    date_padding: str = "space"


def _capacity(facts: DeviceFacts) -> dict[str, str]:
    sectors = facts.track_kb * 2
    blocks = facts.tracks * sectors
    megabytes = blocks // 2048
    return {
        "block_size": "512",
        "cylinders": str(math.ceil(facts.tracks / TRACKS_PER_CYLINDER)),
        "tracks": str(facts.tracks),
        "blocks": str(blocks),
        "megabytes": str(megabytes),
        "kilobytes": str(blocks // 2),
        "gigabytes": f"{megabytes / 1024:.1f}",
        "terabytes": f"{megabytes / 1024 / 1024:.2f}",
    }


def _fields(pairs: dict[str, str]) -> list[Node]:
    return list(pairs.items())


def _clone(session: Session, style: Style) -> Node:
    children: list[Node] = [
        ("SRC", [("dev_name", session.src)]),
        ("TGT", [("dev_name", session.tgt)]),
        ("state", session.state),
        ("last_action", asctime(session.last_action, style.date_padding)),
        (
            "clone_state_flags",
            [
                ("backgrnd_copy_state", "Active" if session.copy else "Inactive"),
                ("differential_state", "Active" if session.diff else "Inactive"),
                ("vse", "False"),
                ("vpsnap", "False"),
            ],
        ),
    ]
    if style.percent_element != "none":
        children.insert(3, (style.percent_element, str(session.percent)))
    return ("CLONE_Device", children)


def _port(director: str, port: str, pd_name: str | None) -> Node:
    head: list[Node] = [("pd_name", pd_name)] if pd_name is not None else []
    return (
        "Port",
        [
            *head,
            ("director", director),
            ("director_type", "FibreChannel"),
            ("powerpath_type", "N/A"),
            ("port", port),
            ("port_status", "Ready"),
            ("vbus", "N/A"),
            ("tid", "N/A"),
            ("lun", "N/A"),
            ("host_lun", "N/A"),
        ],
    )


def _geometry(facts: DeviceFacts) -> Node:
    cap = _capacity(facts)
    return (
        "device_geometry",
        [
            ("geometry_type", "Native"),
            ("sectors_per_tracks", str(facts.track_kb * 2)),
            ("tracks_per_cylinder", str(TRACKS_PER_CYLINDER)),
            *[
                (k, cap[k])
                for k in ("cylinders", "blocks", "megabytes", "kilobytes", "gigabytes", "terabytes")
            ],
        ],
    )


def _mirror(number: int, kind: str, status: str) -> Node:
    return (
        "Mirror",
        [
            ("number", str(number)),
            ("type", kind),
            ("status", status),
            ("invalid_tracks", "0"),
            ("invalid_mbs", "0"),
            ("invalid_gbs", "0.0"),
            ("invalid_tbs", "0.00"),
        ],
    )


def verbose_record(sid: str, mcode: str, facts: DeviceFacts, style: Style) -> Node:
    srp = "SRP_1" if mcode >= "5977" else "N/A"
    dev_info = {
        "pd_name": facts.pd_name,
        "dev_name": facts.dev,
        "configuration": facts.config,
        "number_of_raid_groups": "0",
        "encapsulated": "No",
        "encapsulated_wwn": "N/A",
        "encapsulated_array_id": "N/A",
        "encapsulated_device_name": "N/A",
        "attached_bcv": "N/A",
        "emulation": "FBA",
        "status": facts.status,
        "sa_status": "Ready",
        "user_pin": "False",
        "device_tag": "None",
        "snapvx_source": "False",
        "snapvx_target": "False",
        "data_destaged": "True",
        "dif1": "False",
        "as400_gk": "False",
        "service_state": "Normal",
        "ssid": "N/A",
        "cache_partition_name": "N/A",
        "host_access_mode": "Active",
        "extent_based_clone": "None",
        "host_cache_registered": "False",
        "optimized_read_miss": "N/A",
        "thin_pool_name": "N/A",
        "SRP_name": srp,
    }
    flags = {
        "ckd": "False",
        "worm_enabled": "N/A",
        "worm_protected": "N/A",
        "dynamic_spare_invoked": "False",
        "dynamic_rdf_capability": "RDF1_OR_RDF2_Capable",
        "star_mode": "False",
        "star_recovery_capability": "None",
        "star_recovery_state": "N/A",
        "sqar_mode": "False",
        "radiant_managed": "False",
        "restricted_access_dev": "False",
        "rdb_checksum_enabled": "False",
        "non_exclusive_access": "False",
        "scsi3_persist_res": "Enabled",
        "aclx": "False",
        "symmetrix_filesystem": "False",
        "snap_save_device": "False",
        "gatekeeper": "False",
        "datadev": "False",
        "meta": "None",
        "encap_dev_flag": "None",
        "eff_encrypt_capable": "No",
        "eff_encrypted": "No",
        "valid_eff_encryption_key": "No",
        "eff_encryption_rekey_inprog": "No",
    }
    hyper_disk: Node = (
        "Disk",
        [(k, "N/A") for k in ("director", "interface", "tid", "volume_number", "spindle_id")],
    )
    children: list[Node] = [
        ("Dev_Info", _fields(dev_info)),
        ("Attached", [("BCV", "N/A"), ("VDEV", "N/A")]),
        (
            "Product",
            [
                ("vendor", "EMC"),
                ("name", "SYMMETRIX"),
                ("revision", mcode),
                ("serial_id", "N/A"),
                ("symid", sid),
                ("wwn", facts.wwn),
                ("device_id", "Compatibility"),
            ],
        ),
        ("Label", [("type", "N/A"), ("defined_label", "N/A")]),
        ("Flags", _fields(flags)),
        ("Capacity", [*_fields(_capacity(facts)), ("geometry_limited", "No")]),
        (
            "Device_External_Identity",
            [
                ("wwn", facts.wwn),
                ("Front_End", [_port(d, p, None) for d, p in PORTS]),
                _geometry(facts),
            ],
        ),
        _geometry(facts),
        ("Front_End", [_port(d, p, facts.pd_name) for d, p in PORTS]),
        (
            "Mirror_Set",
            [_mirror(1, "Thin", "Ready"), *[_mirror(n, "N/A", "N/A") for n in (2, 3, 4)]],
        ),
        (
            "Back_End",
            [
                (
                    "Hyper",
                    [
                        ("type", "Thin"),
                        ("status", "Ready"),
                        ("number", "N/A"),
                        ("mirror_number", "1"),
                        hyper_disk,
                    ],
                )
            ],
        ),
        *[_clone(s, style) for s in facts.sessions],
    ]
    return ("Device", children)


def short_record(facts: DeviceFacts) -> Node:
    """The non-verbose record (om3-05): no clone information at all."""
    cap = _capacity(facts)
    director, port = PORTS[0]
    return (
        "Device",
        [
            (
                "Dev_Info",
                [("dev_name", facts.dev), ("configuration", facts.config), ("status", facts.status)],
            ),
            ("Flags", [("worm_protected", "False"), ("aclx", "True"), ("meta", "None")]),
            ("Capacity", [(k, cap[k]) for k in ("megabytes", "gigabytes", "terabytes")]),
            ("Front_End", [("Port", [("pd_name", facts.pd_name), ("director", director), ("port", port)])]),
            ("Back_End", [("Disk", [("director", "N/A"), ("interface", "N/A"), ("tid", "N/A")])]),
        ],
    )


def listing(sid: str, mcode: str, devices: list[DeviceFacts], *, verbose: bool, style: Style) -> str:
    records = [verbose_record(sid, mcode, d, style) if verbose else short_record(d) for d in devices]
    return document([("Symmetrix", [("Symm_Info", [("symid", sid)]), *records])])
