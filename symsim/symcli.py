"""Simulated `symcli`: with no arguments it prints the Solutions Enabler version banner.

The banner is the one of a real SE 10.1 (om3-25-symcli_version.txt).
"""

from __future__ import annotations

from pathlib import Path

from symsim import cli

TOOL = "symcli"
SE_VERSION = "V10.1.0.0"
EDIT_LEVEL = "2752"
BANNER = (
    f"Symmetrix Command Line Interface (SYMCLI) Version {SE_VERSION} (Edit Level: {EDIT_LEVEL})\n"
    f"built with SYMAPI Version {SE_VERSION} (Edit Level: {EDIT_LEVEL})"
)


def body(home: Path, argv: list[str]) -> int:
    parsed = cli.parse(TOOL, argv, {"-h": 0, "-v": 0})
    if parsed.words:
        raise cli.usage_error(TOOL, f"Unexpected argument '{parsed.words[0]}'")
    print(BANNER)
    return 0


def main() -> None:
    cli.tool_main(TOOL, body)


if __name__ == "__main__":
    main()
