"""Server-rendered HTML: an article page, so answers' deep links land on something readable."""

from __future__ import annotations

from html import escape

from indexer.article import Article

_STYLE = """
body{font:16px/1.6 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2933;background:#f7f8fa}
header{background:#1d4ed8;color:#fff;padding:14px 24px}header a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:760px;margin:24px auto;background:#fff;padding:8px 32px 32px;border-radius:10px;
box-shadow:0 1px 3px rgba(0,0,0,.08)}h1{font-size:1.8rem}h2{margin-top:2rem}:target{background:#fef9c3}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:4px 10px}
pre{background:#f3f4f6;padding:12px;overflow:auto}.summary{color:#52606d}
.note{background:#eff6ff;border-left:4px solid #3b82f6;border-radius:4px;padding:2px 16px;margin:1rem 0}
"""


def article_page(article: Article) -> str:
    """The whole article as a standalone page; its sections keep their anchors for deep links."""
    body = article.html
    if not body.lstrip().startswith("<h1"):
        body = f"<h1>{escape(article.title)}</h1>\n{body}"
    summary = f'<p class="summary">{escape(article.summary)}</p>' if article.summary else ""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(article.title)} · Help center</title><style>{_STYLE}</style></head>"
        f'<body><header><a href="/">Help center</a></header><main>{summary}{body}</main></body></html>'
    )
