"""The root of clonepilot's error tree.

Every error that reaches a user says what is wrong, where, and what to do. Subpackages
(config, transport, symcli) derive their own small trees from these classes.
"""


class ClonepilotError(Exception):
    """Base of every error clonepilot raises on purpose."""


class RetryableError(ClonepilotError):
    """The same step may succeed if repeated unchanged (SSH drop, lock held, array busy)."""


class PermanentError(ClonepilotError):
    """Repeating the step unchanged cannot help (wrong pair state, device missing, bad input)."""
