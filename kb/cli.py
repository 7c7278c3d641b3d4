"""The `kb` command: index, serve, search, eval, calibrate, report, settings."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kb.analytics.cli import report as analytics_report
from kb.config import Settings, get_settings
from kb.errors import ConfigError, KbError

if TYPE_CHECKING:
    import uvicorn

    from kb.engine import Engine

app = typer.Typer(
    help="kb: help-center search. Index a folder of Markdown articles and serve answers — or the right "
    "contact channel when the content does not answer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
DEFAULT_CALIBRATION = Path(__file__).parent / "engine" / "calibration.json"
DEFAULT_BLEND = Path(__file__).parent / "engine" / "blend.json"
err = Console(stderr=True)

ContentOpt = Annotated[
    Path | None,
    typer.Option(
        "--content", help="Content folder (default: KB_CONTENT_DIR, else the shipped help center)."
    ),
]
IndexOpt = Annotated[
    Path | None, typer.Option("--index", help="Index folder (default: KB_INDEX_DIR, var/index).")
]


def _settings(content: Path | None = None, index: Path | None = None, **more: Any) -> Settings:
    base = get_settings()
    update: dict[str, Any] = {k: v for k, v in more.items() if v is not None}
    if content is not None:
        update["content_dir"] = content
    if index is not None:
        update["index_dir"] = index
    return base.model_copy(update=update) if update else base


def _fail(message: str, code: int = 1) -> None:
    # One line however long, and the message as written ("kb[semantic]" is no markup).
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _build(
    settings: Settings, strict: bool = False, full: bool = False, quiet: bool = False
) -> Any:
    show = sys.stderr.isatty() and not quiet
    with Progress(
        TextColumn("indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not show,
        transient=True,
    ) as bar:
        task = bar.add_task("articles", total=None)
        return settings.build_index(
            strict=strict,
            full=full,
            progress=lambda n, total: bar.update(task, completed=n, total=total),
        )


@app.command()
def index(
    content: ContentOpt = None,
    index_dir: IndexOpt = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Fail (exit 1) on any malformed article instead of skipping it."
        ),
    ] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Rebuild every article (default: only changed ones when an index exists).",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the build report as JSON.")
    ] = False,
) -> None:
    """Build the index from the content folder and switch it in atomically."""
    settings = _settings(content, index_dir)
    try:
        report = _build(settings, strict=strict, full=full, quiet=as_json)
    except KbError as exc:
        _fail(str(exc))
    for problem in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {problem.path}: {problem.reason}", highlight=False)
    for left_out in report.excluded:
        err.print(f"left out {left_out.path}: {left_out.reason}", markup=False, emoji=False)
    for warning in report.warnings:
        err.print(f"[yellow]warning[/yellow] {escape(warning)}", highlight=False, emoji=False)
    if as_json:
        out.print_json(json.dumps(report.to_json()))
        return
    kind = "incremental" if report.incremental else "full"
    out.print(
        f"indexed {report.articles} articles into {report.chunks} chunks "
        f"({kind}, {report.changed} changed), skipped {len(report.skipped)}, "
        f"left out {len(report.excluded)}"
        + "".join(f", {n} {kind}" for kind, n in report.by_reason().items() if kind != "malformed")
        + f", {len(report.warnings)} warnings, "
        + (f"{report.embedded} texts embedded, " if report.embedded or report.cached else "")
        + (f"{report.cached} read from the vector cache, " if report.cached else "")
        + (f"{report.pruned} unused removed from it, " if report.pruned else "")
        + f"in {report.seconds:.2f}s → {settings.index_dir / report.version}",
        highlight=False,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (KB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (KB_PORT).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes, e.g. one per core (KB_WORKERS).")
    ] = None,
    content: ContentOpt = None,
    index_dir: IndexOpt = None,
) -> None:
    """Serve the HTTP API (builds the index first when there is none)."""
    from indexer import layout
    from kb import logs

    settings = _settings(content, index_dir, host=host, port=port, workers=workers)
    try:
        settings.check_production()
        if layout.current_version(settings.index_dir) is None:
            report = _build(settings)
            err.print(
                f"built the index: {report.articles} articles, {report.chunks} chunks",
                highlight=False,
            )
    except (KbError, ConfigError) as exc:
        _fail(str(exc))
    from kb.server.workers import RunDir

    run_dir = RunDir(settings.run_dir)
    # Workers are separate processes: hand them the resolved settings through the environment.
    os.environ["KB_CONTENT_DIR"] = str(settings.content_dir.resolve())
    os.environ["KB_INDEX_DIR"] = str(settings.index_dir.resolve())
    os.environ["KB_RUN_DIR"] = str(run_dir.path)
    get_settings.cache_clear()  # one worker runs in this process: let it read them, not the cache
    logs.configure(settings.log_level, settings.log_format, settings.env)
    if settings.watch:
        import threading

        from kb.watch import start_watcher

        start_watcher(settings, threading.Event())
        err.print(f"watching {settings.content_dir} for changes", highlight=False)
    err.print(
        f"kb serving on http://{settings.host}:{settings.port}/ ({settings.workers} worker(s))",
        highlight=False,
    )
    try:
        run_server(
            "kb.server.main:create", settings.host, settings.port, settings.workers, run_dir.path
        )
    finally:
        run_dir.close()


def server_config(app: Any, host: str, port: int, **options: Any) -> uvicorn.Config:
    """kb's uvicorn options for serving `app` (an app, or with factory=True an import string of its
    factory) on host:port; `options` are passed on (workers, factory, lifespan …)."""
    import uvicorn

    from kb.server.protocol import JsonErrorsProtocol

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        timeout_graceful_shutdown=20,
        # uvicorn's 5 s default races requests already sent on a kept-alive connection when the
        # loop stalls (a reindex in this process), and under load such requests go unanswered.
        timeout_keep_alive=30,
        # The client address behind trusted proxies is kb's own (KB_TRUSTED_PROXIES, kb.web.rate_limit).
        proxy_headers=False,
        http=JsonErrorsProtocol,  # uvicorn's own 400s as JSON problems (kb/server/protocol.py)
        **options,
    )


def run_server(app: str, host: str, port: int, workers: int, run_dir: Path | None = None) -> None:
    """Serve the ASGI app factory `app` with kb's uvicorn options: in this process for one worker,
    else in `workers` processes with a listening socket each (kb.server.workers) sharing `run_dir`."""
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    from kb.server import workers as worker_processes

    config = server_config(app, host, port, factory=True, workers=workers)
    if workers > 1 and worker_processes.shares_ports():
        if not worker_processes.serve(config, workers, run_dir):
            sys.exit(STARTUP_FAILURE)
    elif workers > 1:  # no SO_REUSEPORT here: uvicorn's supervisor, one shared socket
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        server = uvicorn.Server(config)
        server.run()
        if not server.started:
            sys.exit(STARTUP_FAILURE)


@app.command()
def search(
    question: Annotated[str, typer.Argument(help="The question, as a customer would type it.")],
    limit: Annotated[int, typer.Option(help="Answers to show.")] = 5,
    content: ContentOpt = None,
    index_dir: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON response.")] = False,
) -> None:
    """Ask one question and print the answers, confidence and channel."""
    from kb.engine import SearchRequest, SearchResult

    try:
        engine = _engine(content, index_dir)
        body = engine.respond(SearchRequest(q=question, limit=limit))
    except KbError as exc:
        _fail(str(exc))
    if as_json:
        out.print_json(json.dumps(body))
        return
    result = SearchResult.of(body)
    table = Table(title=f"“{result.query}”", show_lines=False)
    for col in ("#", "article", "section", "confidence", "score"):
        table.add_column(col)
    for i, a in enumerate(result.answers, 1):
        table.add_row(str(i), a.article, a.heading, f"{a.confidence:.2f}", f"{a.score:.1f}")
    out.print(table)
    if result.did_you_mean:
        out.print(f"did you mean: {result.did_you_mean}", highlight=False)
    ch = result.channel
    state = "open now" if ch.open_now else f"closed, opens {ch.opens_at or 'later'}"
    verdict = "FALLBACK — not confident enough to answer" if result.fallback else "answered"
    out.print(f"confidence {result.confidence:.2f}: {verdict}", highlight=False)
    out.print(f"contact: {ch.name} ({state}) — {ch.how}  [{ch.reason}]", highlight=False)


def _engine(content: Path | None, index_dir: Path | None, cached: bool = True) -> Engine:
    """The engine over the index of these folders, built first when there is none."""
    from indexer import layout

    settings = _settings(content, index_dir)
    if layout.current_version(settings.index_dir) is None:
        _build(settings, quiet=True)
    return settings.open_engine() if cached else settings.open_engine(cache_size=0)


def _fmt(v: float | int) -> str:
    return str(v) if isinstance(v, int) else ("—" if v != v else f"{v:.3f}")


@app.command("eval")
def evaluate(
    files: Annotated[
        list[Path],
        typer.Argument(help="Labeled query files (JSON lines: q, articles, fallback, channel)."),
    ],
    baseline: Annotated[
        bool,
        typer.Option(
            "--baseline",
            help="Also run plain BM25 (SQLite FTS5, Porter stemmer) on the same chunks, side by side.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    misses: Annotated[bool, typer.Option("--misses", help="List the queries that missed.")] = False,
    blend: Annotated[
        Path | None,
        typer.Option("--blend", help="Blend weights to re-rank with (`kb fit-blend`'s output)."),
    ] = None,
    content: ContentOpt = None,
    index_dir: IndexOpt = None,
) -> None:
    """Relevance metrics per group, a reliability table and the calibration error.

    Metrics: hit@1, MRR@5, answered, fallback accuracy, channel accuracy (shared/eval/README.md).
    """
    from kb import evaluate as ev

    try:
        rows = [r for f in files for r in ev.load_labeled(f)]  # before any index is built
        searcher = _engine(content, index_dir, cached=False).searcher
        if blend is not None:
            from kb.engine.blend import Blend

            searcher.blend = Blend.load(blend)
        result = ev.report(searcher, rows, baseline)
    except KbError as exc:
        _fail(str(exc))
    if as_json:
        out.print_json(json.dumps(result))
        return
    table = Table(title=f"kb eval: {', '.join(str(f) for f in files)}")
    table.add_column("group")
    table.add_column("n", justify="right")
    for m in ev.METRICS:
        table.add_column(m, justify="right")
    for group, vals in result["kb"].items():
        table.add_row(group, str(vals["n"]), *(_fmt(vals[m]) for m in ev.METRICS))
        if baseline:
            b = result["baseline"][group]
            table.add_row("  baseline", "", *(_fmt(b[m]) for m in ev.METRICS), style="dim")
    out.print(table)
    if baseline:
        k, b = result["kb"]["all"], result["baseline"]["all"]
        ratio = k["hit@1"] / b["hit@1"] if b["hit@1"] else float("inf")
        out.print(f"hit@1 kb/baseline = {ratio:.2f}×", highlight=False)
    rel = Table(title=f"reliability (expected calibration error {result['ece']:.3f})")
    for col in ("confidence bucket", "n", "mean confidence", "accuracy"):
        rel.add_column(col, justify="right")
    for r in result["reliability"]:
        rel.add_row(
            f"{r['low']:.1f}–{r['high']:.1f}",
            str(r["count"]),
            f"{r['confidence']:.3f}",
            f"{r['accuracy']:.3f}",
        )
    out.print(rel)
    if misses:
        for m in result["misses"]:
            out.print(m, highlight=False)


@app.command()
def calibrate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Labeled query files to fit on (JSON lines: q, articles, fallback)."),
    ] = None,
    from_analytics: Annotated[
        bool,
        typer.Option(
            "--from-analytics",
            help="Also label questions from the analytics store: an answer clicked with no contact "
            "after it, or voted helpful, is right; the top answer of a search followed by a contact, "
            "or voted not helpful, is wrong; one row per question, its searches agreeing at 75% "
            "or more. Needs at least 40 such questions, 10 right and 10 wrong "
            "(docs/operations.md), and an index with its own confidence model (the semantic path).",
        ),
    ] = False,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            metavar="URL",
            help="Analytics store for --from-analytics (default: KB_DATABASE_URL).",
        ),
    ] = None,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Where to write the model (default: the shipped kb/engine/calibration.json).",
        ),
    ] = DEFAULT_CALIBRATION,
    content: ContentOpt = None,
    index_dir: IndexOpt = None,
) -> None:
    """Fit the ranking and confidence models on labeled queries, so that confidence is calibrated.

    On the semantic path the labeled questions refine the live version's own confidence model
    instead (pooled with the prior, kb.engine.practice); small incremental builds keep it. With
    --from-analytics the deployment's own searches label questions too, refining that model."""
    from kb import evaluate as ev
    from kb.engine.confidence import reliability

    if not files and not from_analytics:
        _fail("give labeled query files, or --from-analytics, or both")
    try:
        rows = [r for f in files or [] for r in ev.load_labeled(f)]  # before any index is built
        searcher = _engine(content, index_dir, cached=False).searcher
    except KbError as exc:
        _fail(str(exc))
    snap = searcher.holder.get()
    own_model = searcher.mode(snap) == "semantic" and snap.confidence
    if from_analytics and not own_model:
        _fail(
            "--from-analytics refines the live index version's own confidence model, and this one "
            "has none: build it with kb[semantic] installed (content the shipped model was labeled "
            "on keeps the shipped model; calibrate that with labeled files)"
        )
    if own_model:
        from kb.engine.practice import refine_version

        labeled = ev.top_rows(searcher, rows)
        if from_analytics:
            try:
                labeled += _analytics_rows(searcher, database)
            except KbError as exc:
                _fail(str(exc))
        refined, found = refine_version(snap.path, labeled)
        out.print(
            f"the live version's own confidence model refitted with {found} labeled top answers "
            f"→ {snap.path.name}/confidence.json (workers use it from the next version they open)",
            highlight=False,
        )
        out.print_json(json.dumps({"bias": refined.bias, "weights": refined.weights}))
        return

    model, data = ev.calibrate(searcher, rows)
    from kb.engine.practice import content_fingerprint

    labeled_content = content_fingerprint(snap.articles)  # the content these labels are about
    model.save(
        output,
        {"fitted_on": [str(f) for f in files or []], "rows": len(data), "content": labeled_content},
    )
    _, ece = reliability([(model.probability(s), ok) for s, ok in data])
    out.print(
        f"fitted on {len(data)} answered queries; in-sample ECE {ece:.3f} → {output}",
        highlight=False,
    )
    out.print_json(json.dumps({"bias": model.bias, "weights": model.weights}))


def _analytics_rows(searcher: Any, database: str | None) -> list[Any]:
    """The live top answers to the questions the analytics store's searches judged, labeled by
    them (kb.analytics.labels); raises KbError when the store cannot be read or holds too few."""
    from kb.analytics.labels import calibration_rows, judged_questions
    from kb.analytics.store import Store

    store = Store.open(database or get_settings().database_url)
    try:
        if store.is_sqlite and store.url.database and not Path(store.url.database).exists():
            raise ConfigError(f"no analytics database at {store.url.database}")
        questions, masked = judged_questions(store)
    finally:
        store.close()
    found = calibration_rows(searcher, questions, masked)
    found.check()
    err.print(f"from analytics: {found.summary()}", highlight=False)
    return found.rows


@app.command("fit-blend")
def fit_blend(
    corpora: Annotated[
        list[str],
        typer.Argument(
            help="Labeled query files, each as FILE or FILE@CONTENT_DIR@INDEX_DIR (built if absent)."
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the blend's weights.")
    ] = DEFAULT_BLEND,
    prior: Annotated[
        Path | None,
        typer.Option(
            "--prior",
            help="Also write the top answers' signals under the new blend: the labeled rows every "
            "index's own confidence is fitted with (kb/engine/confidence-prior.json).",
        ),
    ] = None,
) -> None:
    """Fit the blend of words and meaning that re-ranks the leading answers, on labeled queries of
    one or more help centers (a help center's own labels left out when measuring it)."""
    from kb import evaluate as ev
    from kb.engine.practice import save_prior

    engines: list[tuple[Any, list[Any]]] = []
    try:
        for spec in corpora:
            file, *where = spec.split("@")
            content = Path(where[0]) if where else None
            index_dir = Path(where[1]) if len(where) > 1 else None
            labeled = ev.load_labeled(Path(file))  # before any index is built
            engine = _engine(content, index_dir, cached=False).searcher
            if engine.mode(engine.holder.get()) != "semantic":
                _fail(f"{spec}: the index has no vectors (is kb[semantic] installed?)")
            engines.append((engine, labeled))
        blend, rows = ev.fit_blend(engines)
    except KbError as exc:
        _fail(str(exc))
    blend.save(output, {"fitted_on": corpora, "rows": rows})
    out.print(f"fitted on {rows} answers → {output}", highlight=False)
    out.print_json(json.dumps({"bias": blend.bias, "weights": blend.weights}))
    if prior is not None:
        found = ev.prior_rows(engines, blend)
        save_prior(prior, found, {"fitted_on": corpora})
        out.print(f"{len(found)} labeled top answers → {prior}", highlight=False)


def settings_markdown() -> str:
    """The settings as the Markdown table the README carries (a test keeps the two equal)."""
    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        if name == "content_dir":
            default = "the shipped help center"
        else:
            value = field.get_default(call_default_factory=True)
            default = str(value) if value not in ("", [], {}, None) else "(empty)"
        lines.append(f"| `KB_{name.upper()}` | `{default}` | {field.description or ''} |")
    return "\n".join(lines) + "\n"


@app.command()
def settings(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the README's settings table.")
    ] = False,
) -> None:
    """Every setting with its environment variable, current value and meaning."""
    if markdown:
        sys.stdout.write(settings_markdown())
        return
    s = get_settings()
    table = Table(title="kb settings")
    for col in ("variable", "value", "meaning"):
        table.add_column(col)
    for name, field in Settings.model_fields.items():
        value = getattr(s, name)
        shown = "(set)" if "key" in name and value else str(value)
        table.add_row(f"KB_{name.upper()}", shown, field.description or "")
    out.print(table)


app.command("report")(analytics_report)


def main() -> None:
    try:
        app()
    except KbError as exc:  # anything not caught in a command: still one line, never a traceback
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)
