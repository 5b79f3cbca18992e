"""Shared test set-up. Fixtures live in tests/plugins/, one module per real part they start."""

import os
import tempfile

# Prefect must never write into $HOME, nor phone home, in any test process.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="clonepilot-prefect-home-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
# Run locks of this session's runs (tests that look at the locks point their own runs elsewhere):
# never the machine's /var/tmp/clonepilot-locks, which a killed earlier session may have left held.
os.environ.setdefault("CLONEPILOT_LOCK_DIR", tempfile.mkdtemp(prefix="clonepilot-locks-"))

pytest_plugins = [
    "tests.plugins.symsim",
    "tests.plugins.sshd",
    "tests.plugins.prefect",
    "tests.plugins.prefect_server",
    "tests.plugins.postgres",
]
