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


DOCS = REPO / "docs"


def test_readme_is_short_and_points_to_docs_that_exist() -> None:
    """The README stays a user's page (at most 12 KB), and every docs/ page it names exists."""
    assert len(README.encode("utf-8")) <= 12 * 1024
    named = set(re.findall(r"`((?:docs/)[\w./-]+)`", README))
    assert named, "the README names no docs pages"
    for path in named:
        assert (REPO / path).exists(), path


def test_architecture_names_every_package_module() -> None:
    """docs/architecture.md names every module of kb.engine, kb.web and indexer."""
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    for folder in ("kb/engine", "kb/web", "indexer"):
        for module in sorted((REPO / folder).glob("*.py")):
            if module.stem != "__init__":
                assert f"`{module.stem}`" in text, (
                    f"{folder}/{module.name} is not in docs/architecture.md"
                )


def test_every_decision_record_is_listed() -> None:
    """docs/decisions/README.md lists every record in the folder, and every record it lists exists."""
    index = (DOCS / "decisions" / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"\]\(([\w-]+\.md)\)", index))
    present = {p.name for p in (DOCS / "decisions").glob("*.md")} - {"README.md"}
    assert listed == present
