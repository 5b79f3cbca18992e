"""Pure parsers from SYMCLI output text to the frozen models of models.py.

They follow the reference's facts (§3 symdev XML, §6 query text, §5 verify, §4 symcfg) and
are tolerant where real output is known to vary: column widths, 4- or 5-digit ids, N/A
logical names, zero- or space-padded days, text before the XML prolog.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from clonepilot.symcli.errors import SymcliError, SymcliParseError, classify
from clonepilot.symcli.models import (
    CloneSession,
    CloneState,
    QueryPair,
    QueryReport,
    QueryTotals,
    SymDevice,
    SymdevListing,
    SymmArray,
    VerifyOutcome,
    VerifyResult,
)

_ASCTIME = "%a %b %d %H:%M:%S %Y"
_NOT_APPLICABLE = {"", "n/a", "na", "-"}


def _xml_root(text: str, what: str) -> ET.Element:
    # Some SE builds print a warning line before the prolog; start at the XML itself.
    start = text.find("<?xml")
    if start < 0:
        start = text.find("<SymCLI_ML")
    if start < 0:
        raise SymcliParseError(f"{what}: no XML document in the output ({_excerpt(text)})")
    try:
        root = ET.fromstring(text[start:])
    except ET.ParseError as exc:
        raise SymcliParseError(f"{what}: malformed XML: {exc} ({_excerpt(text)})") from exc
    if root.tag != "SymCLI_ML":
        raise SymcliParseError(f"{what}: root element is <{root.tag}>, expected <SymCLI_ML>")
    return root


def _excerpt(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "...")


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def parse_asctime(text: str) -> datetime:
    """`Thu Feb 25 10:20:56 2010`, also `Thu Feb  5 ...` and `Thu Feb 05 ...`."""
    return datetime.strptime(" ".join(text.split()), _ASCTIME)


def _optional_int(text: str | None, what: str) -> int | None:
    if text is None or text.strip().lower() in _NOT_APPLICABLE:
        return None
    try:
        return int(text.strip())
    except ValueError as exc:
        raise SymcliParseError(f"{what}: {text!r} is not an integer") from exc


def _clone_session(element: ET.Element, dev_name: str) -> CloneSession:
    src = _text(element, "SRC/dev_name")
    tgt = _text(element, "TGT/dev_name")
    if src is None or tgt is None:
        raise SymcliParseError(f"symdev list: device {dev_name}: CLONE_Device without SRC/TGT dev_name")
    state_text = _text(element, "state") or ""
    stamp = _text(element, "last_action")
    last_action: datetime | None = None
    if stamp is not None and stamp.lower() not in _NOT_APPLICABLE:
        try:
            last_action = parse_asctime(stamp)
        except ValueError as exc:
            raise SymcliParseError(f"symdev list: device {dev_name}: bad last_action {stamp!r}") from exc
    return CloneSession(
        src=src,
        tgt=tgt,
        state=CloneState.parse(state_text) if state_text else CloneState.UNKNOWN,
        state_text=state_text,
        percent=_optional_int(_percent_text(element), f"symdev list: device {dev_name}: percent copied"),
        last_action=last_action,
    )


# The only independent real consumer of this document reads `percent_copied`; the reference said
# `percent`. Either may be the element; neither present means the percent is unknown, never 0.
PERCENT_ELEMENTS = ("percent_copied", "percent")


def _percent_text(element: ET.Element) -> str | None:
    for name in PERCENT_ELEMENTS:
        value = _text(element, name)
        if value is not None:
            return value.removesuffix("%").strip()
    return None


def parse_symdev_list(text: str) -> SymdevListing:
    """`symdev -sid SID list -v -devs ... -output xml_e` → devices and their clone sessions."""
    root = _xml_root(text, "symdev list")
    devices: list[SymDevice] = []
    for element in root.iter("Device"):
        dev_name = _text(element, "Dev_Info/dev_name")
        if dev_name is None:
            raise SymcliParseError("symdev list: a <Device> has no Dev_Info/dev_name")
        devices.append(
            SymDevice(
                dev_name=dev_name,
                pd_name=_text(element, "Dev_Info/pd_name"),
                status=_text(element, "Dev_Info/status"),
                configuration=_text(element, "Dev_Info/configuration"),
                sessions=tuple(_clone_session(clone, dev_name) for clone in element.findall("CLONE_Device")),
                wwn=_text(element, "Product/wwn"),
            )
        )
    return SymdevListing(symid=_text(root, "Symmetrix/Symm_Info/symid"), devices=tuple(devices))


# --- symclone query (text) -----------------------------------------------------------------

_DG_NAME = re.compile(r"^\s*Device\s+Group\s+\(DG\)\s+Name\s*:\s*(\S+)", re.M)
_DG_TYPE = re.compile(r"^\s*DG's\s+Type\s*:\s*(\S+)", re.M)
# The whole word, not its leading digits: a value that is not a SID must show as it is.
_DG_SID = re.compile(r"^\s*DG's\s+Symmetrix\s+ID\s*:\s*(\S+)", re.M)
_SID = re.compile(r"^\s*Symmetrix\s+ID\s*:\s*(\S+)", re.M)
_HEX = re.compile(r"^[0-9A-Fa-f]{1,8}$")
_FLAGS = re.compile(r"^[X.]{4}$", re.I)
_INT = re.compile(r"^\d+$")
_NO_SESSION = re.compile(
    r"do(?:es)?\s+not\s+form\s+a\s+copy\s+session|does\s+not\s+have\s+any\s+devices\s+that\s+are\s+clone\s+source",
    re.I,
)


def _query_row(tokens: Sequence[str]) -> QueryPair | None:
    # Read from the right: Copy(%), State, CGDP, then the track/device columns; the two
    # Logical columns are present (names or N/A) in the DG form and may be missing otherwise.
    if len(tokens) not in (8, 10) or not _FLAGS.match(tokens[-3]):
        return None
    percent_text = tokens[-1]
    if not (_INT.match(percent_text) or percent_text.lower() in _NOT_APPLICABLE):
        return None
    if len(tokens) == 10:
        src_log, src_sym, prot, src_mod, tgt_log, tgt_sym, tgt_mod = tokens[:7]
    else:
        src_log, tgt_log = "N/A", "N/A"
        src_sym, prot, src_mod, tgt_sym, tgt_mod = tokens[:5]
    if not (_HEX.match(src_sym) and _HEX.match(tgt_sym)):
        return None
    if not all(_INT.match(value) for value in (prot, src_mod, tgt_mod)):
        return None
    return QueryPair(
        src_logical=None if src_log.lower() in _NOT_APPLICABLE else src_log,
        src_sym=src_sym,
        protected_tracks=int(prot),
        src_modified_tracks=int(src_mod),
        tgt_logical=None if tgt_log.lower() in _NOT_APPLICABLE else tgt_log,
        tgt_sym=tgt_sym,
        tgt_modified_tracks=int(tgt_mod),
        flags=tokens[-3].upper(),
        state=CloneState.parse(tokens[-2]),
        state_text=tokens[-2],
        percent=None if not _INT.match(percent_text) else int(percent_text),
    )


def _totals(lines: Sequence[str]) -> QueryTotals | None:
    tracks: list[int] | None = None
    megabytes: list[float] | None = None
    for line in lines:
        tokens = line.split()
        if len(tokens) == 4 and tokens[0] == "Track(s)" and all(_INT.match(t) for t in tokens[1:]):
            tracks = [int(t) for t in tokens[1:]]
        elif len(tokens) == 4 and tokens[0] == "MB(s)":
            try:
                megabytes = [float(t) for t in tokens[1:]]
            except ValueError:
                megabytes = None
    if tracks is None:
        return None
    return QueryTotals(
        protected_tracks=tracks[0],
        src_modified_tracks=tracks[1],
        tgt_modified_tracks=tracks[2],
        protected_mb=megabytes[0] if megabytes else None,
        src_modified_mb=megabytes[1] if megabytes else None,
        tgt_modified_mb=megabytes[2] if megabytes else None,
    )


def parse_clone_query(text: str) -> QueryReport:
    """`symclone -g DG query` or `symclone -sid S -f F query` text → pairs and totals."""
    lines = text.splitlines()
    pairs = tuple(row for row in (_query_row(line.split()) for line in lines) if row is not None)
    dg_name = _DG_NAME.search(text)
    dg_type = _DG_TYPE.search(text)
    symid = _DG_SID.search(text) or _SID.search(text)
    if not pairs and not (dg_name or symid):
        if _NO_SESSION.search(text):
            # Real text (notes-07); its exit code is not known, so exit 0 must read as well.
            return QueryReport(None, None, None, (), None)
        raise SymcliParseError(f"symclone query: neither a header nor a pair row found ({_excerpt(text)})")
    return QueryReport(
        dg_name=dg_name.group(1) if dg_name else None,
        dg_type=dg_type.group(1) if dg_type else None,
        symid=symid.group(1) if symid else None,
        pairs=pairs,
        totals=_totals(lines),
    )


# --- symclone verify -----------------------------------------------------------------------

_VERIFY_LINE = re.compile(
    r"^\s*(?P<quant>not\s+all|none\s+of\s+the|all)\s+(?:of\s+the\s+)?devices\b[^\n]*?"
    r"\bare\s+in\s+(?:the\s+)?'?(?P<state>[A-Za-z/]+)'?\s+state\b[^\n]*",
    re.I | re.M,
)
# §5.1 NOT_ALL_/NONE_ codes known for verifiable states; used only when no text says it.
_NOT_ALL_CODES = frozenset({4, 10, 12, 25, 27, 29})
_NONE_CODES = frozenset({5, 11, 13, 26, 28, 30})


def interpret_verify(
    exit_code: int,
    stdout: str,
    stderr: str = "",
    *,
    argv: Sequence[str] = (),
    node: str | None = None,
) -> VerifyResult:
    """Read a verify call: all / not all / none of the pairs in the state.

    A failure that is not a verify answer (lock, no session, bad device) raises the
    classified SymcliError. With -i/-c SYMCLI repeats its answer; the last one counts.
    """
    matches = list(_VERIFY_LINE.finditer(f"{stdout}\n{stderr}"))
    if exit_code == 0:
        last = matches[-1] if matches else None
        return VerifyResult(
            VerifyOutcome.ALL, last.group("state") if last else None, last.group(0).strip() if last else ""
        )
    if matches:
        last = matches[-1]
        quant = " ".join(last.group("quant").lower().split())
        outcome = {"all": VerifyOutcome.ALL, "not all": VerifyOutcome.NOT_ALL}.get(quant, VerifyOutcome.NONE)
        if outcome is VerifyOutcome.ALL:
            # A non-zero exit contradicts "All ... are in": trust the exit code, the safe side.
            outcome = VerifyOutcome.NOT_ALL
        return VerifyResult(outcome, last.group("state"), last.group(0).strip())
    if exit_code in _NOT_ALL_CODES:
        return VerifyResult(VerifyOutcome.NOT_ALL, None, (stdout + stderr).strip())
    if exit_code in _NONE_CODES:
        return VerifyResult(VerifyOutcome.NONE, None, (stdout + stderr).strip())
    error = classify(argv, exit_code, stdout, stderr, node=node)
    assert isinstance(error, SymcliError)  # exit_code != 0 here, so classify returned an error
    raise error


# --- symcfg list ---------------------------------------------------------------------------

_SYMMID = re.compile(r"^\d{3,12}$")


def parse_symcfg_list(text: str) -> tuple[SymmArray, ...]:
    """`symcfg list` text (or its -output xml_e form) → the arrays this host sees."""
    if "<SymCLI_ML" in text:
        return parse_symcfg_xml(text)
    arrays: list[SymmArray] = []
    for line in text.splitlines():
        tokens = line.split()
        # SymmID Attachment Model... Mcode Cache NumPhys NumSymm; the model is read as
        # whatever lies between attachment and mcode, in case it ever holds a space.
        if len(tokens) < 2 or tokens[1].lower() not in ("local", "remote"):
            continue
        if len(tokens) < 7 or not _SYMMID.match(tokens[0]) or not all(_INT.match(t) for t in tokens[-3:]):
            # An array row we cannot read must not vanish from the list of arrays seen.
            raise SymcliParseError(f"symcfg list: unexpected array row {' '.join(tokens)!r}")
        arrays.append(
            SymmArray(sid=tokens[0], attachment=tokens[1], model=" ".join(tokens[2:-4]), mcode=tokens[-4])
        )
    if not arrays and "S Y M M E T R I X" not in text:
        raise SymcliParseError(f"symcfg list: no array table found ({_excerpt(text)})")
    return tuple(arrays)


def parse_symcfg_xml(text: str) -> tuple[SymmArray, ...]:
    root = _xml_root(text, "symcfg list")
    arrays: list[SymmArray] = []
    for info in root.iter("Symm_Info"):
        sid = _text(info, "symid")
        if sid is None:
            raise SymcliParseError("symcfg list: a <Symm_Info> has no <symid>")
        arrays.append(
            SymmArray(
                sid=sid,
                attachment=_text(info, "attachment"),
                model=_text(info, "model"),
                mcode=_text(info, "microcode_version") or _text(info, "mcode"),
            )
        )
    return tuple(arrays)


# --- control actions -----------------------------------------------------------------------

_SUCCESS = re.compile(r"operation\s+successfully\s+(?:executed|initiated)|operation\s+SUCCEEDED", re.I)


def control_success_lines(stdout: str, stderr: str = "") -> tuple[str, ...]:
    """The success messages of a control action, each joined onto one line for logs.

    SYMCLI wraps one message over several lines and separates messages by blank lines.
    """
    messages: list[str] = []
    for block in re.split(r"\n\s*\n", f"{stdout}\n\n{stderr}"):
        flat = " ".join(block.split())
        if flat and _SUCCESS.search(flat):
            messages.append(flat)
    return tuple(messages)
