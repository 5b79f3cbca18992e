"""Shared test set-up. Fixtures live in tests/plugins/, one module per real part they start."""

import os
import tempfile

# Prefect must never write into $HOME, nor phone home, in any test process.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="clonepilot-prefect-home-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"

pytest_plugins = [
    "tests.plugins.symsim",
    "tests.plugins.sshd",
    "tests.plugins.prefect",
    "tests.plugins.prefect_server",
    "tests.plugins.postgres",
]
