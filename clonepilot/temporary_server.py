"""Prefect's temporary server for a terminal run, tied to the clonepilot process that starts it.

Prefect starts its temporary server as a plain child process and stops it at exit; a clonepilot
killed with SIGKILL never gets there, and the server ran on, orphaned, holding the dead run as
Running. Here the same server is started as a child that the kernel stops when its parent dies
(Linux PR_SET_PDEATHSIG), in a session of its own so that a Ctrl-C meant for the run does not stop
it under the run's feet. Prefect's own code finds it: its temporary server is one instance per
process, which this one becomes.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from typing import Any

import prefect
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import PREFECT_API_URL, get_current_settings

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> Any:
    def preexec() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


class TiedTemporaryServer(SubprocessASGIServer):
    """SubprocessASGIServer whose process ends with this one, even killed."""

    def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
        # The command and environment of Prefect 3.9's SubprocessASGIServer._run_uvicorn_command,
        # plus the death signal (tests/cli/test_kill.py fails if the server outlives a kill).
        server_env = {
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
        }
        return subprocess.Popen(
            args=[
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(prefect.__module_path__.parent),
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env={
                **os.environ,
                **server_env,
                **get_current_settings().to_environment_variables(exclude_unset=True),
            },
            preexec_fn=_die_with_parent(os.getpid()),
            # Its own session: a Ctrl-C on the terminal reaches the foreground process group, and
            # must not take the server away from the run that is stopping cleanly.
            start_new_session=True,
        )


def start_temporary_server() -> str | None:
    """Start the tied temporary server unless PREFECT_API_URL names a server; its API URL, or None.

    Call it from the main thread: the death signal follows the thread that started the child.
    """
    if PREFECT_API_URL.value() or not sys.platform.startswith("linux"):
        return None
    # Leases kept on disk (in PREFECT_HOME), not in the server's memory: a run killed with this
    # process leaves a lease the next temporary server still knows, so its slots can be given back.
    os.environ.setdefault(
        "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE", "prefect.server.concurrency.lease_storage.filesystem"
    )
    server = TiedTemporaryServer()
    if not isinstance(server, TiedTemporaryServer):
        return None  # Prefect's own instance was made first in this process: it stays in charge
    server.start()
    return server.api_url
