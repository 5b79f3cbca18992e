"""Behaviour shared by every transport: argv semantics, results, env, stdin, files, timeouts."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import time
from pathlib import Path

import pytest

from clonepilot.errors import RetryableError
from clonepilot.transport import CommandTimeout, Transport, TransportClosed

from .conftest import marker, pids_running, wait_until

PRINT_ARGV = "import json, sys; print(json.dumps(sys.argv[1:]))"


def test_arguments_arrive_literally_without_shell_interpretation(
    transport: Transport, tmp_path: Path
) -> None:
    pwned = tmp_path / "pwned"
    args = [
        "two words",
        "it's",
        'say "hi"',
        f"x; touch {pwned}",
        f"$(touch {pwned})",
        f"`touch {pwned}`",
        "$HOME",
        "*",
        "",
        "back\\slash",
        "line\nbreak",
        "| cat &",
        "ünïcødé",
    ]
    result = transport.run([sys.executable, "-c", PRINT_ARGV, *args])
    assert result.ok, result
    assert json.loads(result.stdout) == args
    assert not pwned.exists()


def test_result_carries_exit_code_streams_and_timing(transport: Transport) -> None:
    argv = ["sh", "-c", "echo out; echo err >&2; sleep 0.2; exit 7"]
    result = transport.run(argv)
    assert result.exit_code == 7
    assert not result.ok
    assert result.stdout == "out\n"
    assert result.stderr == "err\n"
    assert result.node == transport.node
    assert result.argv == tuple(argv)
    assert result.command == "sh -c 'echo out; echo err >&2; sleep 0.2; exit 7'"
    assert 0.2 <= result.duration < 5


def test_success_is_ok(transport: Transport) -> None:
    result = transport.run(["true"])
    assert result.ok and result.exit_code == 0 and result.stdout == "" and result.stderr == ""


def test_missing_program_is_exit_127_not_an_exception(transport: Transport) -> None:
    result = transport.run(["/nonexistent/clonepilot-no-such-program", "x"])
    assert result.exit_code == 127
    assert "clonepilot-no-such-program" in result.stderr


def test_large_output_on_both_streams(transport: Transport) -> None:
    # More than any SSH window or pipe buffer: would deadlock if one stream were read at a time.
    code = "import sys; sys.stderr.write('e' * 3000000); sys.stdout.write('o' * 3000000)"
    result = transport.run([sys.executable, "-c", code])
    assert result.ok
    assert len(result.stdout) == 3000000 and set(result.stdout) == {"o"}
    assert len(result.stderr) == 3000000 and set(result.stderr) == {"e"}


def test_env_is_added_literally_and_keeps_path(transport: Transport) -> None:
    value = "a b 'c' \"d\" $(id) ; e"
    result = transport.run(
        ["sh", "-c", 'printf %s "$CP_VALUE"; echo; command -v sh'], env={"CP_VALUE": value}
    )
    assert result.ok, result
    first, second = result.stdout.splitlines()
    assert first == value
    assert second.endswith("/sh")


def test_env_name_must_be_a_shell_name(transport: Transport) -> None:
    with pytest.raises(ValueError, match="not a valid"):
        transport.run(["true"], env={"A=B": "x"})


def test_stdin_is_fed_then_closed(transport: Transport) -> None:
    text = "first line\nsecond ünïcødé line\n"
    result = transport.run(["cat"], stdin=text)
    assert result.ok and result.stdout == text


def test_large_stdin_round_trips(transport: Transport) -> None:
    text = "0123456789abcdef\n" * 200000  # 3.4 MB, beyond the SSH window in both directions
    result = transport.run(["cat"], stdin=text)
    assert result.ok and result.stdout == text


def test_without_stdin_the_command_reads_eof(transport: Transport) -> None:
    result = transport.run(["cat"], timeout=10)
    assert result.ok and result.stdout == ""


def test_argv_must_be_a_non_empty_list_of_str(transport: Transport) -> None:
    with pytest.raises(TypeError):
        transport.run("echo hi")
    with pytest.raises(ValueError):
        transport.run([])


def test_timeout_kills_the_command_and_its_children(transport: Transport) -> None:
    child, leader = marker(), marker()
    started = time.monotonic()
    with pytest.raises(CommandTimeout) as caught:
        transport.run(["sh", "-c", f"sleep {child} & sleep {leader}; wait"], timeout=1)
    assert time.monotonic() - started < 3
    error = caught.value
    assert isinstance(error, RetryableError)
    assert error.node == transport.node and error.timeout == 1
    assert transport.node in str(error) and f"sleep {leader}" in str(error)
    assert wait_until(lambda: not pids_running(child) and not pids_running(leader)), "command left running"
    # The transport is still usable after a timeout.
    assert transport.run(["echo", "after"]).stdout == "after\n"


def test_write_file_creates_parents_sets_mode_and_replaces(transport: Transport, tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "pairs.txt"
    transport.write_file(str(target), "0123 0456\n0124 0457\n", mode=0o640)
    assert target.read_text() == "0123 0456\n0124 0457\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    transport.write_file(str(target), "ünïcødé\n")
    assert target.read_text() == "ünïcødé\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(target.parent) == ["pairs.txt"], "temporary files left behind"


def test_parallel_writes_into_a_new_directory_all_succeed(transport: Transport, tmp_path: Path) -> None:
    """Two resources of one run write their pairs files at once into a directory neither made yet."""
    import threading

    for round_ in range(5):
        directory = tmp_path / f"fresh-{round_}" / "clonepilot"
        barrier = threading.Barrier(4)
        errors: list[BaseException] = []

        def write(
            index: int,
            directory: Path = directory,
            barrier: threading.Barrier = barrier,
            errors: list[BaseException] = errors,
        ) -> None:
            barrier.wait()
            try:
                transport.write_file(str(directory / f"svc.sync-{index}.pairs"), f"{index}\n")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert sorted(p.name for p in directory.iterdir()) == [f"svc.sync-{i}.pairs" for i in range(4)]


def test_write_file_into_a_file_is_a_permanent_error(transport: Transport, tmp_path: Path) -> None:
    from clonepilot.errors import PermanentError
    from clonepilot.transport import FileWriteError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FileWriteError) as caught:
        transport.write_file(str(blocker / "pairs.txt"), "x")
    assert isinstance(caught.value, PermanentError)
    assert str(blocker / "pairs.txt") in str(caught.value) and transport.node in str(caught.value)


def test_concurrent_commands_from_threads(transport: Transport) -> None:
    results: dict[int, str] = {}

    def work(i: int) -> None:
        results[i] = transport.run(["echo", str(i)]).stdout

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == {i: f"{i}\n" for i in range(12)}


def test_closed_transport_refuses_work(transport: Transport) -> None:
    transport.close()
    with pytest.raises(TransportClosed):
        transport.run(["true"])


def test_command_killed_by_a_signal_is_a_negative_exit(transport: Transport) -> None:
    # Locally -9 (subprocess); over SSH the server reports only "killed by a signal": -1.
    result = transport.run(["sh", "-c", "echo before; kill -9 $$"])
    assert result.exit_code < 0 and not result.ok
    assert result.stdout == "before\n"


def test_stderr_is_exactly_what_the_command_wrote(transport: Transport) -> None:
    result = transport.run(["sh", "-c", "printf 'e1\\n' >&2; printf 'o1'; printf 'e2' >&2"])
    assert result.stderr == "e1\ne2" and result.stdout == "o1"
