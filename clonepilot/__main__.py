"""`python -m clonepilot ...`, the same as the `clonepilot` command."""

from clonepilot.cli import main

main()
