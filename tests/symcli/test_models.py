"""State normalisation, device lookup and pair-state extraction from symdev listings."""

from __future__ import annotations

from datetime import datetime

import pytest

from clonepilot.symcli import CloneSession, CloneState, PairState, SymDevice, SymdevListing, pair_states
from clonepilot.symcli.parsers import parse_asctime


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("CopyInProg", CloneState.COPY_IN_PROG),
        ("copyinprog", CloneState.COPY_IN_PROG),
        ("COPIED", CloneState.COPIED),
        (" PreCopy ", CloneState.PRECOPY),
        ("Recreated", CloneState.RECREATED),
        ("N/A", CloneState.NOT_APPLICABLE),
        ("Invalid", CloneState.INVALID),
        ("Unknown", CloneState.UNKNOWN),
        ("SomethingNew", CloneState.UNKNOWN),
        ("", CloneState.UNKNOWN),
    ],
)
def test_state_parse(text: str, state: CloneState) -> None:
    assert CloneState.parse(text) is state


def test_state_verify_flags() -> None:
    assert CloneState.COPY_ON_ACCESS.flag == "-copyonaccess"
    assert CloneState.RECREATED.flag == "-recreated"


@pytest.mark.parametrize(
    "text", ["Thu Feb  5 09:03:07 2026", "Thu Feb 05 09:03:07 2026", "Thu  Feb 5 09:03:07 2026"]
)
def test_asctime_padding(text: str) -> None:
    assert parse_asctime(text) == datetime(2026, 2, 5, 9, 3, 7)


def _session(src: str, tgt: str, state: CloneState) -> CloneSession:
    return CloneSession(src, tgt, state, state.value, None, None)


LISTING = SymdevListing(
    symid="000197900123",
    devices=(
        SymDevice("00B61", "/dev/sdq", "Ready", None, (_session("00B60", "00B61", CloneState.COPIED),)),
        SymDevice("00B63", "Not Visible", "Ready", None, ()),
        SymDevice("00B65", "/dev/sdr", "Ready", None, (_session("00B70", "00B65", CloneState.CREATED),)),
        # A source listed with two sessions: the one naming this device as target is not there.
        SymDevice(
            "00B80",
            "/dev/sds",
            "Ready",
            None,
            (_session("00B80", "00B81", CloneState.COPIED), _session("00B80", "00B82", CloneState.PRECOPY)),
        ),
    ),
)


def test_device_lookup_ignores_leading_zeros_and_case() -> None:
    assert LISTING.device("0b61") is LISTING.devices[0]
    assert LISTING.device("B61") is LISTING.devices[0]
    assert LISTING.device("0B62") is None


def test_session_choice_and_visibility() -> None:
    assert LISTING.devices[1].session is None
    assert not LISTING.devices[1].visible
    assert LISTING.devices[0].visible
    assert LISTING.devices[3].session is not None and LISTING.devices[3].session.tgt == "00B81"


def test_pair_states_from_listing() -> None:
    states = pair_states(LISTING, [("0B60", "0B61"), ("00B62", "00B63"), ("00B64", "00B65")])
    assert states == (
        PairState("0B60", "0B61", CloneState.COPIED),
        PairState("00B62", "00B63", None),
        PairState("00B64", "00B65", CloneState.CREATED, other_source="00B70"),
    )


def test_pair_states_missing_target_is_an_error() -> None:
    with pytest.raises(ValueError, match="00B99"):
        pair_states(LISTING, [("00B98", "00B99")])
