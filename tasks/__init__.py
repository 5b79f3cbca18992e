"""Prefect tasks, one stage each; the work itself lives in clonepilot.engine."""
