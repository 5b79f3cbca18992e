"""Prefect deployments: the seed's `schedule` keyword as Prefect schedules (schedules.py) and the
command that builds one scheduled deployment per service file (build.py)."""
