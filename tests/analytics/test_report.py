"""The content team's report after a known sequence of real HTTP calls, over JSON, HTML and the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from kb.analytics.cli import report as report_command
from kb.analytics.report import build, group_gaps
from kb.analytics.store import SearchRecord, Store, utcnow
from tests.analytics.service import ADMIN_KEY, Running

REFUND = "where is my refund"
TRACK = "how do I track my order"
NOT_COVERED = ["pay with bitcoin", "pay with bitcoin", "Paying with bitcoins!", "xylophone lessons"]


def search(http: httpx.Client, q: str) -> dict[str, Any]:
    response = http.get("/search", params={"q": q})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def record(http: httpx.Client, path: str, **body: Any) -> None:
    assert http.post(path, json=body).status_code == 202


def play_known_sequence(http: httpx.Client) -> dict[str, Any]:
    """9 searches, 6 clicks, 6 votes (one replacing another); returns what the server answered."""
    refunds = [search(http, REFUND) for _ in range(3)]
    tracks = [search(http, TRACK) for _ in range(2)]
    misses = [search(http, q) for q in NOT_COVERED]
    for r in refunds + tracks:
        assert not r["fallback"] and r["answers"], (
            f"precondition: the help center answers {r['query']!r}"
        )
    for r in misses:
        assert r["fallback"] and not r["answers"], f"precondition: nothing answers {r['query']!r}"
    refund_article, track_article = (
        refunds[0]["answers"][0]["article"],
        tracks[0]["answers"][0]["article"],
    )

    record(
        http,
        "/events",
        search_id=refunds[0]["search_id"],
        type="answer_click",
        article=refund_article,
    )
    record(
        http,
        "/events",
        search_id=refunds[1]["search_id"],
        type="answer_click",
        article=refund_article,
    )
    record(http, "/events", search_id=refunds[1]["search_id"], type="channel_click", channel="chat")
    record(http, "/events", search_id=tracks[0]["search_id"], type="channel_click", channel="chat")
    for _ in range(2):  # a double click counts once
        record(
            http,
            "/events",
            search_id=tracks[1]["search_id"],
            type="answer_click",
            article=track_article,
        )
    record(
        http,
        "/events",
        search_id=misses[0]["search_id"],
        type="channel_click",
        channel="billing-support",
    )

    record(
        http, "/feedback", search_id=refunds[0]["search_id"], helpful=True, article=refund_article
    )
    record(
        http,
        "/feedback",
        search_id=refunds[1]["search_id"],
        helpful=False,
        article=refund_article,
        comment="still no money, call 555-123-4567",
    )
    record(
        http, "/feedback", search_id=refunds[2]["search_id"], helpful=False, article=refund_article
    )
    record(
        http, "/feedback", search_id=refunds[2]["search_id"], helpful=True, article=refund_article
    )
    record(
        http, "/feedback", search_id=tracks[1]["search_id"], helpful=True
    )  # the top answer is meant
    record(http, "/feedback", search_id=misses[0]["search_id"], helpful=False)  # no answer at all
    return {"refund": refund_article, "track": track_article}


def check_report(data: dict[str, Any], articles: dict[str, str]) -> None:
    t = data["totals"]
    assert (t["searches"], t["answered"], t["fallbacks"], t["zero_results"], t["internal"]) == (
        9,
        5,
        4,
        4,
        0,
    )
    assert (t["feedback"], t["events"]) == (5, 7)
    assert t["fallback_rate"] == pytest.approx(4 / 9, abs=1e-4)
    assert sum(d["searches"] for d in data["daily"]) == 9
    assert sum(d["fallbacks"] for d in data["daily"]) == 4

    p = data["period"]
    assert p["days"] == 30
    assert p["since"] <= p["first_search"] <= p["last_search"] <= p["until"]

    top = [(q["query"], q["searches"], q["fallbacks"]) for q in data["top_queries"]]
    assert top == [
        ("where is my refund", 3, 0),
        ("how do i track my order", 2, 0),
        ("pay with bitcoin", 2, 2),
        ("paying with bitcoins", 1, 1),
        ("xylophone lessons", 1, 1),
    ]

    gaps = [(g["label"], g["words"], g["searches"], g["zero_results"]) for g in data["gaps"]]
    assert gaps == [
        ("pay with bitcoin", ["bitcoin", "pay"], 3, 3),
        ("xylophone lessons", ["lessons", "xylophone"], 1, 1),
    ]
    assert [(q["query"], q["searches"]) for q in data["gaps"][0]["queries"]] == [
        ("pay with bitcoin", 2),
        ("paying with bitcoins", 1),
    ]

    f = data["funnel"]
    assert (f["searched"], f["clicked_answer"], f["contacted_after_click"]) == (9, 3, 1)
    assert (f["self_served"], f["contacted_without_click"]) == (2, 2)
    assert f["click_rate"] == pytest.approx(3 / 9, abs=1e-4)
    assert f["contact_after_click_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert f["deflection_rate"] == pytest.approx(2 / 9, abs=1e-4)

    helpful = [
        (a["article"], a["helpful"], a["not_helpful"], a["total"]) for a in data["helpfulness"]
    ]
    assert helpful == sorted(
        [(articles["refund"], 2, 1, 3), ("(unknown)", 0, 1, 1), (articles["track"], 1, 0, 1)],
        key=lambda row: (-row[3], row[0]),
    )
    refund_row = next(a for a in data["helpfulness"] if a["article"] == articles["refund"])
    assert refund_row["ratio"] == pytest.approx(2 / 3, abs=1e-4)
    assert refund_row["comments"] == ["still no money, call [phone]"]


def test_report_after_a_known_sequence(kb: Running, tmp_path: Path) -> None:
    """Top queries, grouped gaps, the funnel and helpfulness add up exactly to the calls made."""
    with kb.http() as http:
        articles = play_known_sequence(http)
        response = http.get("/admin/report", headers={"x-admin-key": ADMIN_KEY})
        assert response.status_code == 200
        check_report(response.json(), articles)

        page = http.get(
            "/admin/report", params={"format": "html"}, headers={"x-admin-key": ADMIN_KEY}
        )
    assert page.status_code == 200
    for text in (
        "pay with bitcoin",
        "xylophone lessons",
        "still no money, call [phone]",
        articles["refund"],
    ):
        assert text in page.text
    assert page.text.count("<svg") >= 3


def test_report_covers_only_its_period(store: Store) -> None:
    """Searches older than the asked number of days are left out of the report, and counted when in."""
    now = utcnow()
    for days_ago in (1, 40):
        store.write(
            [
                SearchRecord(
                    id=f"{days_ago:032x}",
                    at=now - timedelta(days=days_ago),
                    query="old question",
                    query_norm="old question",
                    endpoint="/search",
                    internal=False,
                    answers=[],
                    confidence=0.0,
                    fallback=True,
                    channel="chat",
                    latency_ms=1.0,
                    results=0,
                )
            ]
        )
    assert build(store, 30).totals.searches == 1
    wide = build(store, 60)
    assert wide.totals.searches == 2
    assert [(d.day, d.searches) for d in wide.daily] == [
        ((now - timedelta(days=40)).date(), 1),
        ((now - timedelta(days=1)).date(), 1),
    ]
    assert wide.gaps[0].searches == 2


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("report")(report_command)

    @app.command()
    def version() -> None:
        """A second command, so that `report` is a subcommand as in kb's CLI."""

    return app


def test_cli_report_json_html_and_table(kb: Running, database_url: str, tmp_path: Path) -> None:
    """`kb report` prints the same report as JSON or tables and writes the HTML page."""
    with kb.http() as http:
        articles = play_known_sequence(http)
    assert kb.analytics.flush()
    runner = CliRunner()

    as_json = runner.invoke(cli(), ["report", "--database", database_url, "--json"])
    assert as_json.exit_code == 0, as_json.output
    check_report(json.loads(as_json.stdout), articles)

    page = tmp_path / "report.html"
    table = runner.invoke(
        cli(), ["report", "--database", database_url, "--days", "7", "--html", str(page)]
    )
    assert table.exit_code == 0, table.output
    for text in (
        "deflection funnel",
        "content gaps",
        "pay with bitcoin",
        "where is my refund",
        "[phone]",
    ):
        assert text in table.stdout  # "[phone]" shown as stored, not eaten as rich markup
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "Last 7 days" in html


def test_cli_report_fails_in_one_line(tmp_path: Path) -> None:
    """A missing SQLite file or an unsupported URL is one error line and exit 1, not a traceback."""
    runner = CliRunner()
    for url, expected in (
        (f"sqlite:///{tmp_path / 'none.db'}", "no analytics database"),
        ("mysql://u@127.0.0.1/x", "unsupported database"),
        ("not a url", "not a database URL"),
    ):
        result = runner.invoke(cli(), ["report", "--database", url])
        assert result.exit_code == 1
        assert expected in result.stderr
        assert "Traceback" not in result.output
        assert not (tmp_path / "none.db").exists()


def test_gaps_group_queries_sharing_their_content_words() -> None:
    """Failing queries join a gap when they share half their stemmed words or all of the smaller set."""
    gaps = group_gaps(
        [
            ("gift card balance", 4, 1),
            ("check my gift card balance", 2, 2),
            ("gift cards", 3, 0),
            ("balance", 1, 1),
            ("credit card declined", 2, 0),
            ("loyalty points", 2, 2),
            ("how do i", 1, 1),
            ("is it [number]", 1, 1),
        ]
    )
    summary = [(g.label, g.searches, g.zero_results, [q.query for q in g.queries]) for g in gaps]
    assert summary == [
        (
            "gift card balance",
            10,
            4,
            ["gift card balance", "gift cards", "check my gift card balance", "balance"],
        ),
        ("credit card declined", 2, 0, ["credit card declined"]),
        ("how do i", 2, 2, ["how do i", "is it [number]"]),
        ("loyalty points", 2, 2, ["loyalty points"]),
    ]
    assert gaps[0].words[:3] == ["card", "gift", "balance"]
    assert gaps[2].words == []


def test_gaps_of_nothing_is_nothing() -> None:
    """No failing queries make no gaps."""
    assert group_gaps([]) == []
