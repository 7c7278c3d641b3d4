"""The report as one HTML page for a support lead: numbers first, then charts drawn as inline SVG.

No script and nothing fetched: the page is served under kb's page CSP (`script-src 'self'`, inline
styles allowed), and it opens the same when saved to a file by `kb report --html`.
"""

from __future__ import annotations

from html import escape

from kb.analytics.report import Report

__all__ = ["render_html"]

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
main{max-width:1080px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px}
.sub{color:#5b6475;margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.card{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card b{display:block;font-size:26px}.card span{color:#5b6475;font-size:13px}
section{background:#fff;border-radius:8px;padding:16px 20px;margin-top:16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
section h2{margin-top:0}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e6e8ee;vertical-align:top}
th{font-size:13px;color:#5b6475;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#5b6475}.small{font-size:13px}.empty{color:#5b6475;font-style:italic}
.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;border-radius:2px}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}
"""

BLUE, ORANGE, GREEN, RED, GREY = "#3b6fd8", "#e8893a", "#2f9e62", "#d64545", "#c9ced8"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _card(value: object, label: str) -> str:
    return f'<div class="card"><b>{_e(value)}</b><span>{_e(label)}</span></div>'


def _daily_chart(report: Report) -> str:
    days = report.daily
    if not days:
        return '<p class="empty">No searches in this period.</p>'
    width, height, left, bottom = 1000, 220, 40, 28
    top = max(d.searches for d in days) or 1
    step = (width - left - 24) / len(days)
    bar = max(2.0, step * 0.7)
    parts = [
        f'<svg role="img" aria-label="Searches per day" viewBox="0 0 {width} {height}" width="100%">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="{GREY}"/>',
        f'<text x="{left - 6}" y="16" text-anchor="end">{top}</text>',
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end">0</text>',
    ]
    scale = (height - bottom - 10) / top
    label_every = max(1, len(days) // 10)
    for i, d in enumerate(days):
        x = left + i * step + (step - bar) / 2
        answered = d.searches - d.fallbacks
        h_all, h_fb = d.searches * scale, d.fallbacks * scale
        y = height - bottom - h_all
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h_all - h_fb:.1f}" fill="{BLUE}">'
            f"<title>{_e(d.day)}: {answered} answered</title></rect>"
        )
        if d.fallbacks:
            parts.append(
                f'<rect x="{x:.1f}" y="{y + h_all - h_fb:.1f}" width="{bar:.1f}" height="{h_fb:.1f}" '
                f'fill="{ORANGE}"><title>{_e(d.day)}: {d.fallbacks} fell back</title></rect>'
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 8}" text-anchor="middle">{d.day:%m-%d}</text>'
            )
    parts.append("</svg>")
    legend = (
        f'<div class="legend small"><i style="background:{BLUE}"></i>answered'
        f'<i style="background:{ORANGE}"></i>fell back to a channel</div>'
    )
    return "".join(parts) + legend


def _funnel_chart(report: Report) -> str:
    f = report.funnel
    stages = [
        ("Searched", f.searched, BLUE, ""),
        ("Clicked an answer", f.clicked_answer, BLUE, f"{_pct(f.click_rate)} of searches"),
        (
            "Self-served (no contact after)",
            f.self_served,
            GREEN,
            f"{_pct(f.deflection_rate)} of searches",
        ),
        (
            "Still contacted a channel",
            f.contacted_after_click,
            RED,
            f"{_pct(f.contact_after_click_rate)} of clicks",
        ),
    ]
    width, row, label_w = 1000, 34, 250
    top = max(f.searched, 1)
    parts = [
        f'<svg role="img" aria-label="Deflection funnel" viewBox="0 0 {width} {row * len(stages)}" width="100%">'
    ]
    for i, (label, value, color, note) in enumerate(stages):
        y = i * row
        w = (width - label_w - 200) * value / top
        parts.append(f'<text x="0" y="{y + 21}">{_e(label)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 6}" width="{max(w, 1):.1f}" height="{row - 12}" rx="3" fill="{color}"/>'
        )
        parts.append(f'<text x="{label_w + w + 8:.1f}" y="{y + 21}">{value} {_e(note)}</text>')
    parts.append("</svg>")
    extra = (
        f'<p class="small muted">{f.contacted_without_click} searches went to a channel '
        "without opening an answer.</p>"
    )
    return "".join(parts) + extra


def _helpful_bar(yes: int, no: int) -> str:
    total = max(yes + no, 1)
    w = 160
    g = w * yes / total
    return (
        f'<svg role="img" aria-label="{yes} helpful, {no} not" viewBox="0 0 {w} 14" width="{w}" height="14">'
        f'<rect width="{g:.1f}" height="14" fill="{GREEN}"/>'
        f'<rect x="{g:.1f}" width="{w - g:.1f}" height="14" fill="{RED}"/></svg>'
    )


def _bar(value: int, top: int, color: str = ORANGE) -> str:
    w = 120 * value / max(top, 1)
    return (
        '<svg viewBox="0 0 120 10" width="120" height="10" aria-hidden="true">'
        f'<rect width="{max(w, 1):.1f}" height="10" fill="{color}"/></svg>'
    )


def _top_queries(report: Report) -> str:
    if not report.top_queries:
        return '<p class="empty">No searches in this period.</p>'
    top = report.top_queries[0].searches
    rows = "".join(
        f"<tr><td>{_e(q.query)}</td><td class=n>{q.searches}</td><td>{_bar(q.searches, top, BLUE)}</td>"
        f"<td class=n>{q.fallbacks}</td><td class=n>{q.avg_confidence:.2f}</td></tr>"
        for q in report.top_queries
    )
    return (
        "<table><tr><th>Question (normalized)</th><th class=n>Searches</th><th></th>"
        f"<th class=n>Fell back</th><th class=n>Avg. confidence</th></tr>{rows}</table>"
    )


def _gaps(report: Report) -> str:
    if not report.gaps:
        return '<p class="empty">Every search found a confident answer.</p>'
    top = report.gaps[0].searches
    rows = "".join(
        f"<tr><td><b>{_e(g.label)}</b><div class='small muted'>words: {_e(', '.join(g.words) or '(none)')}</div></td>"
        f"<td class=n>{g.searches}</td><td>{_bar(g.searches, top)}</td><td class=n>{g.zero_results}</td>"
        f"<td class=small>{'<br>'.join(f'{_e(q.query)} ×{q.searches}' for q in g.queries)}</td></tr>"
        for g in report.gaps
    )
    return (
        "<table><tr><th>Gap</th><th class=n>Searches</th><th></th><th class=n>Nothing found</th>"
        f"<th>Questions asked</th></tr>{rows}</table>"
    )


def _helpfulness(report: Report) -> str:
    if not report.helpfulness:
        return '<p class="empty">No feedback in this period.</p>'
    rows = "".join(
        f"<tr><td>{_e(a.article)}</td><td class=n>{a.helpful}</td><td class=n>{a.not_helpful}</td>"
        f"<td>{_helpful_bar(a.helpful, a.not_helpful)} {_pct(a.ratio)}</td>"
        f"<td class=small>{'<br>'.join(f'“{_e(c)}”' for c in a.comments)}</td></tr>"
        for a in report.helpfulness
    )
    return (
        "<table><tr><th>Article</th><th class=n>Yes</th><th class=n>No</th><th>Helpful</th>"
        f"<th>Latest comments</th></tr>{rows}</table>"
    )


def render_html(report: Report) -> str:
    """The whole page (UTF-8 text, no external resources)."""
    p, t = report.period, report.totals
    first = f"{p.first_search:%Y-%m-%d %H:%M}" if p.first_search else "—"
    last = f"{p.last_search:%Y-%m-%d %H:%M}" if p.last_search else "—"
    cards = "".join(
        [
            _card(t.searches, "searches"),
            _card(_pct(1 - t.fallback_rate) if t.searches else "—", "answered"),
            _card(t.fallbacks, "fell back to a channel"),
            _card(t.zero_results, "found nothing"),
            _card(_pct(report.funnel.deflection_rate), "self-served"),
            _card(t.feedback, "feedback votes"),
        ]
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>kb report — last {p.days} days</title><style>{STYLE}</style></head>
<body><main>
<h1>Help-center report</h1>
<p class="sub">Last {p.days} days: {p.since:%Y-%m-%d %H:%M} – {p.until:%Y-%m-%d %H:%M} UTC ·
searches recorded from {first} to {last} · personal data is masked before it is stored</p>
<div class="cards">{cards}</div>
<section><h2>Searches per day</h2>{_daily_chart(report)}</section>
<section><h2>Deflection funnel</h2>{_funnel_chart(report)}</section>
<section><h2>Content gaps</h2><p class="small muted">Questions that fell back to a contact channel or
found nothing, grouped by the words they share: the articles to write or improve next.</p>{_gaps(report)}</section>
<section><h2>Top questions</h2>{_top_queries(report)}</section>
<section><h2>Was this helpful?</h2>{_helpfulness(report)}</section>
<p class="small muted">Generated {report.generated_at:%Y-%m-%d %H:%M:%S} UTC by kb.</p>
</main></body></html>
"""
