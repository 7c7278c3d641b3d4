"""The README stays true: its settings table, its two commands, its CLI list."""

from __future__ import annotations

import re

from kb.cli import settings_markdown
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_settings_table_matches_the_settings_object() -> None:
    """The README's settings table is exactly what `kb settings --markdown` generates."""
    block = README.split("<!-- settings:start -->\n")[1].split("<!-- settings:end -->")[0]
    assert block == settings_markdown(), "run: kb settings --markdown, and paste it into the README"


def test_quick_start_commands_are_make_targets() -> None:
    """The quick start's two commands exist as Makefile targets, and CI runs the test one."""
    quick = README.split("## Quick start")[1].split("```sh")[1].split("```")[0]
    commands = [line.split("#")[0].strip() for line in quick.strip().splitlines()]
    assert commands == ["make serve", "make test"]
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^serve:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_every_cli_command_is_documented() -> None:
    """Each `kb` subcommand appears in the README's command-line section."""
    from kb.cli import app

    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    for name in names:
        assert f"kb {name}" in README, name
