"""`kb report`: the content team's report from the analytics store, in a terminal, JSON or HTML.

Registered in kb.cli as `app.command("report")(report)`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

__all__ = ["report"]


def report(
    days: Annotated[int, typer.Option("--days", min=1, max=3650, help="The last N days.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            dir_okay=False,
            metavar="FILE",
            help="Also write the HTML page (with charts) to FILE.",
        ),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database", metavar="URL", help="Analytics store (default: KB_DATABASE_URL)."
        ),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", min=1, max=200, help="Rows per list (queries, gaps).")
    ] = 20,
) -> None:
    """Top queries, content gaps, the deflection funnel and helpfulness per article."""
    # Imported here: registering the command must not cost every `kb` call SQLAlchemy's import time.
    from rich.console import Console

    from kb.analytics.page import render_html
    from kb.analytics.report import build, print_report
    from kb.analytics.store import Store, StoreError
    from kb.config import get_settings
    from kb.errors import ConfigError

    out, err = Console(), Console(stderr=True)

    def fail(message: str) -> NoReturn:
        err.print(f"[red]error:[/red] {message}", highlight=False)
        raise typer.Exit(1)

    url = database or get_settings().database_url
    try:
        store = Store.open(url)
    except ConfigError as exc:
        fail(str(exc))
    try:
        if store.is_sqlite and store.url.database and not Path(store.url.database).exists():
            fail(
                f"no analytics database at {store.url.database} (kb serve creates it on its first search)"
            )
        result = build(store, days, top=top)
    except StoreError as exc:
        fail(str(exc))
    finally:
        store.close()
    if html is not None:
        try:
            html.write_text(render_html(result), encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {html}: {exc.strerror or exc}")
        err.print(f"wrote {html}", highlight=False)
    if as_json:
        out.print_json(json.dumps(result.model_dump(mode="json")))
    else:
        print_report(result, out)
