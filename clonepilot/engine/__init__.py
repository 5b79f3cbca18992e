"""The engine: what each action does to the array and the hosts, without Prefect.

Flows in flows/ and tasks in tasks/ wrap these pieces; read-only commands (status, validate,
--dry-run) use them directly, so they answer without starting a Prefect server.
"""
