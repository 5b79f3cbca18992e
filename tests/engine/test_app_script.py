"""OpenSVC's app idiom end to end over symsim: `script` with `start = <number>` runs
`<script> start|stop|status`, ordered by the numbers at start and in reverse at stop, with the
user, working directory and environment OpenSVC's app driver sets up."""

from __future__ import annotations

import os
from pathlib import Path

from clonepilot.engine.runbook import execute, runbook
from tests.engine.conftest import MakeCtx, MakeService
from tests.engine.helpers_host import db_status, demo_text, register_vgs
from tests.plugins.symsim import SymsimArray

LAUNCHER = """#!/bin/sh
# What OpenSVC runs as {script} start|stop|status: log the call, then act.
echo "$OPENSVC_RID $1 sid=$ORACLE_SID user=$(id -un) cwd=$(pwd)" >> {log}
{body}
"""
DB_BODY = """case "$1" in
start) exec {bin}/symsim-host db start ORA --data /u01 --logs /arch ;;
stop) exec {bin}/symsim-host db stop ORA ;;
status) exec {bin}/symsim-host db status ORA ;;
esac
exit 2"""
WEB_BODY = """case "$1" in
start) touch {flag} ;;
stop) rm -f {flag} ;;
status) test -f {flag} || exit 1 ;;
esac"""


def _launcher(path: Path, log: Path, body: str) -> Path:
    path.write_text(LAUNCHER.format(script=path, log=log, body=body))
    path.chmod(0o755)
    return path


def test_script_apps_run_start_stop_status_in_opensvc_order(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, tmp_path: Path
) -> None:
    register_vgs(symsim_array)
    symsim_array.admin("speed", "--tracks-per-sec", "81920")
    log = tmp_path / "launcher.log"
    db = _launcher(tmp_path / "oracle", log, DB_BODY.format(bin=symsim_array.bin_dir))
    web = _launcher(tmp_path / "web", log, WEB_BODY.format(flag=tmp_path / "web.up"))
    workdir = tmp_path / "work"
    workdir.mkdir()
    # runuser switches users only for root; as another user the commands run as that user anyway.
    user = "user = root\n" if os.geteuid() == 0 else ""
    apps = (
        # Written web first: the start numbers, not the file's order, say who starts first.
        f"[app#web]\nscript = {web}\nstart = 20\nstop = true\ncheck = true\n{user}"
        f"[app#db]\nscript = {db}\nstart = 10\nstop = true\ncheck = true\ninfo = false\n{user}"
        f"cwd = {workdir}\nenvironment = ORACLE_SID=ORA\nretcodes = 0:up 1:down\n"
    )
    text = demo_text(symsim_array).split("[app#1]")[0] + apps
    service = make_service(text, name="demo")
    assert [a.rid for a in service.apps] == ["app#db", "app#web"]

    for action in ("provision", "sync_break", "stop", "refresh"):
        with make_ctx(service) as ctx:
            report = execute(ctx, runbook(service, action), action=action)
        assert report.ok, report.summary()
    assert db_status(symsim_array) == 0 and (tmp_path / "web.up").exists()

    calls = [line.split()[:2] for line in log.read_text().splitlines()]
    starts = [rid for rid, verb in calls if verb == "start"]
    assert starts == ["app#db", "app#web"], calls
    assert {verb for _, verb in calls} <= {"start", "stop", "status"}
    db_lines = [line for line in log.read_text().splitlines() if line.startswith("app#db start")]
    assert db_lines and "sid=ORA" in db_lines[0] and f"cwd={workdir}" in db_lines[0]
    if user:
        assert "user=root" in db_lines[0]

    log.write_text("")
    with make_ctx(service) as ctx:
        report = execute(ctx, runbook(service, "stop"), action="stop")
    assert report.ok, report.summary()
    stops = [line.split()[0] for line in log.read_text().splitlines() if line.split()[1] == "stop"]
    assert stops == ["app#web", "app#db"]
    assert db_status(symsim_array) != 0 and not (tmp_path / "web.up").exists()
