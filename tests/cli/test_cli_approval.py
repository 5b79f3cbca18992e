"""A service whose `approval` lists an action: the CLI shows the plan and asks the person at the terminal.

Nobody at a terminal (cron, a pipe) means no one can approve: refused, nothing changed, unless
--yes. On a real terminal (a pty here) the plan is printed and a "no" changes nothing.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time

from tests.cli.conftest import CLONEPILOT, CliEnv
from tests.cli.test_cli_readonly import changing_calls, engine, pair_states

PROMPT_DEADLINE = 60.0


def _states(cli: CliEnv) -> list[tuple[str, str, str]]:
    # The precopy goes on copying in the background: the percent moves, the states must not.
    return [(s, t, state) for s, t, state, _ in pair_states(cli)]


def _ask_for_approval(cli: CliEnv) -> None:
    path = cli.services_dir / f"{cli.service}.conf"
    path.write_text(path.read_text().replace("[DEFAULT]\n", "[DEFAULT]\napproval = refresh sync_update\n"))
    engine(cli, "provision")
    cli.array.admin("calls", "--clear")


def test_nobody_at_a_terminal_is_refused_with_the_plan_and_nothing_changes(cli_env: CliEnv) -> None:
    cli = cli_env
    _ask_for_approval(cli)
    before = _states(cli)

    result = cli.invoke("-s", cli.service, "refresh")

    assert result.exit_code == 2, result.output
    assert f"refresh of {cli.service} (dry run): ok" in result.output  # the plan, shown first
    assert "commands that would run (" in result.output
    assert f"refresh of {cli.service} needs approval (service keyword approval = refresh sync_update)" in (
        result.output
    )
    assert "pass --yes" in result.output and "Nothing was changed." in result.output
    assert changing_calls(cli) == []
    assert _states(cli) == before


def test_a_no_on_the_terminal_changes_nothing(cli_env: CliEnv) -> None:
    cli = cli_env
    _ask_for_approval(cli)
    before = _states(cli)

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [str(CLONEPILOT), "-s", cli.service, "refresh"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=cli.env,
        cwd=cli.root,
        close_fds=True,
    )
    os.close(follower)
    seen = b""
    answered = False
    deadline = time.monotonic() + PROMPT_DEADLINE
    try:
        while proc.poll() is None or select.select([leader], [], [], 0)[0]:
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            if not select.select([leader], [], [], 0.5)[0]:
                continue
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if not answered and b"as planned above? [y/N]" in seen:
                os.write(leader, b"n\n")
                answered = True
        proc.wait(timeout=30)
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
    out = seen.decode(errors="replace").replace("\r\n", "\n")

    assert answered, out
    assert proc.returncode == 1, out
    assert "commands that would run (" in out
    assert f"refresh of {cli.service} rejected: nothing was changed" in out
    assert changing_calls(cli) == []
    assert _states(cli) == before
