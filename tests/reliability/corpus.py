"""Content folders made for attacking kb: a large synthetic help center and XSS payload articles."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

CONTENT = Path(__file__).resolve().parents[2] / "content"

_TOPICS = ("orders", "returns", "billing", "account", "delivery", "devices")
_WORDS = (
    "order parcel refund return label courier address payment card invoice password account "
    "delivery tracking warranty replacement voucher subscription device battery screen charger "
    "receipt statement balance discount coupon postcode locker pickup exchange cancel damaged"
).split()


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def write_corpus(
    target: Path, articles: int, seed: int = 7, sections: tuple[int, int] = (3, 6)
) -> Path:
    """A content folder of `articles` generated articles (3–6 sections each by default) plus the
    shipped channels.yaml."""
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CONTENT / "channels.yaml", target / "channels.yaml")
    for i in range(articles):
        topic = _TOPICS[i % len(_TOPICS)]
        parts = []
        for s in range(rng.randint(*sections)):
            paragraphs = "\n\n".join(_sentence(rng, rng.randint(12, 30)) for _ in range(3))
            parts.append(f"## {_sentence(rng, 4)[:-1]} {s}\n\n{paragraphs}\n")
        questions = "\n".join(f"  - {_sentence(rng, 5)[:-1].lower()}" for _ in range(3))
        text = (
            f"---\nid: gen-{i:04d}\ntitle: {topic.title()} help {i}\ntopic: {topic}\n"
            f"summary: {_sentence(rng, 10)}\nquestions:\n{questions}\n---\n"
            f"# {topic.title()} help {i}\n\n{_sentence(rng, 20)}\n\n" + "\n".join(parts)
        )
        (target / f"gen-{i:04d}.md").write_text(text, encoding="utf-8")
    return target


# Each payload is a way to smuggle script into a rendered article or a snippet.
XSS_ARTICLE_BODIES: dict[str, str] = {
    "script-tag": "Refund xssword help.\n\n<script>alert('xss-script')</script>\n\nMore text.",
    "event-handler": 'Refund xssword help.\n\n<img src="x" onerror="alert(1)">\n<p onclick="alert(2)">hi</p>',
    "javascript-link": 'Refund xssword help. <a href="javascript:alert(3)">click</a>',
    "javascript-entity-link": 'Refund xssword <a href="jav&#x09;ascript:alert(4)">click</a>',
    "markdown-js-link": "Refund xssword help: [click me](javascript:alert(5)) and [x](JaVaScRiPt:alert(6))",
    "markdown-js-image": "Refund xssword ![pic](javascript:alert(7))",
    "svg-onload": 'Refund xssword <svg onload="alert(8)"><circle r="1"/></svg>',
    "data-url": (
        'Refund xssword <a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg5KTwvc2NyaXB0Pg==">d</a>'
        ' <iframe src="data:text/html,<script>alert(10)</script>"></iframe>'
    ),
    "style-expression": 'Refund xssword <div style="background:url(javascript:alert(11))">s</div>',
    "object-embed": 'Refund xssword <object data="javascript:alert(12)"></object><embed src="x.swf">',
    "form-action": 'Refund xssword <form action="javascript:alert(13)"><button>go</button></form>',
    "meta-refresh": 'Refund xssword <meta http-equiv="refresh" content="0;url=javascript:alert(14)">',
    "heading-payload": "## <img src=x onerror=alert(15)> xssword heading\n\nRefund text here.",
    "table-payload": "| a | b |\n|---|---|\n| <script>alert(16)</script> xssword | <b onmouseover=alert(17)>x</b> |",
    "code-payload": "Refund xssword `<script>alert(18)</script>`\n\n```html\n<script>alert(19)</script>\n```",
    "broken-tags": "Refund xssword <scr<script>ipt>alert(20)</scr</script>ipt> <<img src=x onerror=alert(21)>",
}


def write_xss_corpus(target: Path) -> Path:
    """A content folder whose every article body (and some titles and summaries) carries a payload."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CONTENT / "channels.yaml", target / "channels.yaml")
    for name, body in XSS_ARTICLE_BODIES.items():
        text = (
            f"---\nid: xss-{name}\ntitle: \"Refund xssword <script>alert('t')</script> {name}\"\n"
            f"summary: \"<img src=x onerror=alert('s')> refund xssword\"\ntopic: returns\n---\n"
            f"# Refund xssword {name}\n\n{body}\n\n## Second section\n\nRefund xssword again {body}\n"
        )
        (target / f"xss-{name}.md").write_text(text, encoding="utf-8")
    return target
