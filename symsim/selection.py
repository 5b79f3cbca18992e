"""Which clone pairs a symclone call addresses: device-group form or array + pairs-file form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symsim import dialect, model
from symsim.cli import Parsed, usage_error
from symsim.errors import SymError


@dataclass(frozen=True)
class PairRef:
    src: str
    tgt: str
    src_ldev: str | None = None
    tgt_ldev: str | None = None


@dataclass(frozen=True)
class Selection:
    sid: str
    pairs: tuple[PairRef, ...]
    group: str | None = None
    file: str | None = None
    explicit: bool = False  # logical pairs named on the command line (per-device messages)

    @property
    def where(self) -> str:
        """How SYMCLI names the scope in its messages."""
        if self.group is not None:
            return f"the group '{self.group}'"
        return "the list"


def split_pairs(tool: str, words: list[str]) -> list[tuple[str, str]]:
    """`SRC sym ld TGT [SRC2 symld TGT2 ...]` (either spelling) into (src, tgt) logical names."""
    pairs = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and words[i + 1].lower() == "symld" and i + 2 < len(words):
            pairs.append((words[i], words[i + 2]))
            i += 3
        elif i + 3 < len(words) and [w.lower() for w in words[i + 1 : i + 3]] == ["sym", "ld"]:
            pairs.append((words[i], words[i + 3]))
            i += 4
        else:
            raise usage_error(tool, f"Invalid device pair specification near '{' '.join(words[i:])}'")
    return pairs


def find_group(state: dict[str, Any], name: str) -> dict[str, Any]:
    for group in state["groups"].values():
        if group["name"].lower() == name.lower():
            return group
    raise SymError(f"The device group '{name}' does not exist")


def _ldev(group: dict[str, Any], name: str) -> dict[str, Any]:
    for member in group["devs"]:
        if member["ldev"].lower() == name.lower():
            return member
    raise SymError(f"The device '{name}' was not found in device group '{group['name']}'")


def _read_pairs_file(path: str, array: model.Array) -> list[PairRef]:
    try:
        with open(path) as fh:
            text = fh.read()
    except OSError:
        raise SymError(f"Cannot open the device file '{path}'") from None
    pairs = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 2:
            raise SymError(f"Invalid line {number} in device file '{path}': '{raw.strip()}'")
        pairs.append(PairRef(model.lookup_dev(array, fields[0]), model.lookup_dev(array, fields[1])))
    if not pairs:
        raise SymError(f"The device file '{path}' does not contain any device pairs")
    return pairs


def select(tool: str, state: dict[str, Any], parsed: Parsed, action: str) -> Selection:
    group_name = parsed.value("-g")
    path = parsed.value("-f")
    sid_text = parsed.value("-sid")
    if group_name is not None and path is not None:
        raise usage_error(tool, "The -g and -f options are mutually exclusive")
    if path is not None:
        if sid_text is None:
            raise usage_error(tool, "The -sid option is required with -f")
        if parsed.words:
            raise usage_error(tool, f"Unexpected argument '{parsed.words[0]}' with -f")
        array = model.get_array(state, sid_text)
        return Selection(array["sid"], tuple(_read_pairs_file(path, array)), file=path, explicit=False)
    if group_name is None:
        raise usage_error(tool, "A device group (-g) or a device file (-sid SID -f FILE) is required")
    group = find_group(state, group_name)
    if group["sid"] is None:
        raise SymError(f"Device group '{group['name']}' does not have any devices")
    if sid_text is not None and model.resolve_sid(state, sid_text) != group["sid"]:
        raise SymError(f"Device group '{group['name']}' does not belong to Symmetrix {sid_text}")
    array = state["arrays"][group["sid"]]
    if parsed.words and action == "query" and not _has_pair_clause(parsed.words):
        # notes-04: `query DEV001` names sources only and shows every session of each.
        return Selection(
            array["sid"], tuple(_sessions_of(array, group, parsed.words)), group=group["name"], explicit=True
        )
    if parsed.words:
        if action == "query" and dialect.get(state, "query_pair_clause") == "reject":
            raise usage_error(tool, "The 'sym ld' pair form is not valid with query: name the sources only")
        refs = []
        for src_name, tgt_name in split_pairs(tool, parsed.words):
            src, tgt = _ldev(group, src_name), _ldev(group, tgt_name)
            refs.append(PairRef(src["dev"], tgt["dev"], src["ldev"], tgt["ldev"]))
        return Selection(array["sid"], tuple(refs), group=group["name"], explicit=True)
    return Selection(array["sid"], tuple(_whole_group(array, group, action)), group=group["name"])


def _has_pair_clause(words: list[str]) -> bool:
    lowered = [w.lower() for w in words]
    return "symld" in lowered or "sym" in lowered


def _sessions_of(array: model.Array, group: dict[str, Any], names: list[str]) -> list[PairRef]:
    members = {m["dev"]: m["ldev"] for m in group["devs"]}
    refs = []
    for name in names:
        src = _ldev(group, name)
        for pair in sorted(array["pairs"].values(), key=lambda p: p["tgt"]):
            if pair["src"] == src["dev"]:
                refs.append(PairRef(src["dev"], pair["tgt"], src["ldev"], members.get(pair["tgt"])))
    return refs


def _whole_group(array: model.Array, group: dict[str, Any], action: str) -> list[PairRef]:
    """SYMAPI's automatic pairing: existing sessions inside the group, else STD devices with -tgt ones."""
    names = {m["dev"]: m["ldev"] for m in group["devs"]}
    refs = []
    if action != "create":
        for pair in sorted(array["pairs"].values(), key=lambda p: (p["src"], p["tgt"])):
            if pair["src"] in names and pair["tgt"] in names:
                refs.append(PairRef(pair["src"], pair["tgt"], names[pair["src"]], names[pair["tgt"]]))
        # A query shows sessions only: with none it says so (notes-07), it never pairs devices.
        if refs or action == "query":
            return refs
    sources = [m for m in group["devs"] if not m["tgt"]]
    targets = [m for m in group["devs"] if m["tgt"]]
    if not sources or not targets:
        raise SymError(
            f"Device group '{group['name']}' does not have any devices that are Clone source devices"
        )
    if len(targets) < len(sources):
        raise SymError(
            f"Device group '{group['name']}' does not have enough target devices to pair with its "
            f"{len(sources)} source devices"
        )
    return [PairRef(s["dev"], t["dev"], s["ldev"], t["ldev"]) for s, t in zip(sources, targets, strict=False)]
