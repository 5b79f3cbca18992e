"""The read-only preflight check (`clonepilot check`): what a refresh needs, verified before the first one.

Free of prefect, like status and validate: it answers in seconds from a terminal.
"""

from clonepilot.check.findings import CheckReport, Finding, Level, ServiceCheck
from clonepilot.check.preflight import run_checks

__all__ = ["CheckReport", "Finding", "Level", "ServiceCheck", "run_checks"]
