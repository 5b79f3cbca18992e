"""Error classification details the fixture cases do not show: message content, check(), hierarchy."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from clonepilot.errors import PermanentError, RetryableError
from clonepilot.symcli import CallRecord, SymcliErrorKind, SymcliPermanent, SymcliRetryable, check, classify
from clonepilot.symcli.errors import kind_of

ARGV = (
    "/usr/symcli/bin/symclone",
    "-sid",
    "123",
    "-f",
    "/var/tmp/clonepilot/app.sync-1.pairs",
    "-noprompt",
    "recreate",
)


def test_success_is_not_an_error() -> None:
    assert classify(ARGV, 0, "'Recreate' operation successfully initiated", "") is None


def test_permanent_message_carries_symcli_text_command_and_node() -> None:
    text = "The device(s) are not in the appropriate pair state for this operation"
    error = classify(ARGV, 1, "", f"\n{text}\n", node="dbhost1")
    assert isinstance(error, SymcliPermanent)
    assert isinstance(error, PermanentError)
    assert not isinstance(error, RetryableError)
    message = str(error)
    assert text in message
    assert "on dbhost1" in message
    assert "exit 1" in message
    assert (
        "command: /usr/symcli/bin/symclone -sid 123 -f /var/tmp/clonepilot/app.sync-1.pairs"
        " -noprompt recreate" in message
    )
    assert error.kind is SymcliErrorKind.WRONG_STATE
    assert error.symcli_message == text
    assert error.argv == ARGV
    assert error.node == "dbhost1"


def test_retryable_is_a_retryable_error() -> None:
    error = classify(ARGV, 2, "", "locked by another process")
    assert isinstance(error, SymcliRetryable)
    assert isinstance(error, RetryableError)
    assert not isinstance(error, PermanentError)


def test_lock_exit_code_wins_over_other_text() -> None:
    # A lock code with a device message is still a lock: the device text is incidental.
    assert kind_of(3, "", "The specified device was not found") is SymcliErrorKind.LOCKED


def test_text_wins_over_generic_exit_code() -> None:
    assert kind_of(22, "", "A Copy session has not been created for the specified device") is (
        SymcliErrorKind.NO_SESSION
    )


def test_stdout_and_stderr_both_kept_verbatim() -> None:
    error = classify(ARGV, 1, "progress line\n", "Unrecognized keyword: -bogus\n")
    assert error is not None
    assert error.symcli_message == "Unrecognized keyword: -bogus\nprogress line"


def test_check_passes_success_through_and_raises_with_node() -> None:
    ok = CallRecord(argv=ARGV, exit_code=0, stdout="done")
    assert check(ok) is ok

    @dataclass
    class TransportResult:  # any object with the four attributes and an optional node works
        argv: list[str]
        exit_code: int
        stdout: str
        stderr: str
        node: object

    failed = TransportResult(list(ARGV), 1, "", "The specified device was not found", node="user@db2:2222")
    with pytest.raises(SymcliPermanent, match="on user@db2:2222") as info:
        check(failed)
    assert info.value.kind is SymcliErrorKind.DEVICE_NOT_FOUND


def test_check_accepts_other_ok_codes_and_objects_without_node() -> None:
    @dataclass
    class Bare:
        argv: tuple[str, ...]
        exit_code: int
        stdout: str
        stderr: str

    assert check(Bare(ARGV, 4, "", ""), ok_codes=(0, 4)).exit_code == 4
    with pytest.raises(SymcliRetryable) as info:
        check(Bare(ARGV, 19, "", ""))
    assert info.value.node is None
    assert "on " not in str(info.value).splitlines()[0]


def test_check_raises_when_a_failure_was_expected_but_exit_is_zero() -> None:
    with pytest.raises(SymcliPermanent):
        check(CallRecord(argv=ARGV, exit_code=0), ok_codes=(1,))


@pytest.mark.parametrize(
    ("stderr", "kind"),
    [
        ("Unrecognized keyword: -timeout", SymcliErrorKind.BAD_USAGE),
        ("The operation timed out waiting for the Symmetrix", SymcliErrorKind.UNREACHABLE),
        ("Unable to communicate with the Symmetrix", SymcliErrorKind.UNREACHABLE),
        ("The device(s) are in an invalid pair state for this operation", SymcliErrorKind.WRONG_STATE),
        ("The device group 'dgx' does not exist", SymcliErrorKind.DEVICE_NOT_FOUND),
    ],
)
def test_pattern_precedence(stderr: str, kind: SymcliErrorKind) -> None:
    assert kind_of(1, "", stderr) is kind
