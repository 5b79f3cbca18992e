"""The README states facts that code owns; these tests keep the two in step."""

import re
from pathlib import Path

from clonepilot.config.reference import keyword_reference
from clonepilot.settings import settings_markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_settings_table_matches_the_settings_model():
    assert settings_markdown_table().strip() in README.read_text()


def test_keyword_reference_matches_the_keyword_tables():
    assert keyword_reference().strip() in README.read_text()


def test_quick_start_has_exactly_the_two_commands_ci_and_users_run():
    text = README.read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["./dev demo", "./dev test"]
    ci = (README.parent / ".ci" / "run").read_text()
    assert "\n./dev test\n" in ci
