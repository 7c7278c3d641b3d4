"""The help centers and query logs the suite runs on.

- `default`: the shipped help center (content/), replayed with the labeled queries.
- `gen-<n>`: a generated help center of n section chunks: articles of 3–8 `##` sections of 80–300
  words, front matter id/title/summary/topic (and some channel/questions). Words are drawn from a
  Zipf distribution over a vocabulary made of the default content's words (most frequent first)
  followed by a synthetic long tail; each article also has a few "focus" words of its own, as real
  articles do, which make up its headings and recur in its text.
- Every corpus has a query log: a pool of distinct queries of 1–5 words replayed with a Zipf-like
  repeat pattern, so most log entries repeat an earlier query; ~10% of the entries are a fresh
  misspelling of the query they repeat.

Everything is derived from a fixed seed and the shipped content's words, so a corpus is the same on
every machine for the same content; generated corpora are kept in a cache folder (bench/.cache by
default, keyed by seed, sizes and a digest of those words) and reused by later runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import string
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

import yaml

from indexer.schema import STOPWORDS, words

GENERATOR_VERSION = 1
REPO = Path(__file__).resolve().parent.parent
DEFAULT_CONTENT = REPO / "content"
LABELED_FILES = (
    REPO.parent / "shared" / "eval" / "dev.jsonl",
    REPO / "tests" / "relevance" / "queries.jsonl",
)

VOCABULARY_SIZE = 40_000
ZIPF_S = 1.07  # word rank exponent (Zipf–Mandelbrot, offset 2.7): ~75% of a text is base words
TYPO_RATE = 0.10
FOCUS_RATE = 0.06  # share of an article's body words that are its focus words
QUERY_WORDS = (1, 2, 3, 4, 5)
QUERY_WORD_WEIGHTS = (15, 30, 30, 15, 10)
EXTRA_TOPICS = ("devices", "subscriptions", "security", "gift-cards", "business", "music", "video")

_ONSETS = "b c d f g h j k l m n p r s t v w z br cl dr fl gr pl st tr sh ch th".split()
_VOWELS = "a e i o u ai ea ou io".split()
_CODAS = ["", "", "", "n", "r", "s", "l", "t", "m", "x", "nd", "st"]


@dataclass(frozen=True)
class Plan:
    """A corpus to prepare: its name, size in section chunks (None: the shipped content), log sizes."""

    name: str
    chunks: int | None
    pool: int
    log: int


def plans(quick: bool, full: bool) -> list[Plan]:
    """The corpora of a run: tiny ones under --quick; 1k and 10k by default; 100k with --full."""
    if quick:
        return [Plan("default", None, 0, 200), Plan("gen-300", 300, 60, 200)]
    chosen = [
        Plan("default", None, 0, 3000),
        Plan("gen-1k", 1_000, 500, 3000),
        Plan("gen-10k", 10_000, 2_000, 3000),
    ]
    if full:
        chosen.append(Plan("gen-100k", 100_000, 4_000, 1000))
    return chosen


@dataclass
class Corpus:
    """A help-center folder and its query log (a pool of distinct queries and the replay order)."""

    name: str
    content: Path
    pool: list[str]
    typos: list[bool]
    log: list[int]
    articles: int
    sections: int | None
    words: int
    generated_s: float | None = None  # None when taken from the cache
    extra: dict[str, Any] = field(default_factory=dict)

    def log_queries(self) -> list[str]:
        return [self.pool[i] for i in self.log]

    def replay(self, length: int, seed: int) -> list[str]:
        """A longer log drawn like the stored one (same Zipf ranks, fresh misspellings), for load
        runs that would otherwise wrap around the stored log and see only cache hits."""
        rng = random.Random(f"{self.name}-replay-{seed}")
        base = [q for q, typo in zip(self.pool, self.typos, strict=True) if not typo]
        pool, typos = list(base), [False] * len(base)
        log = _zipf_log(len(base), length, rng)
        _misspell(pool, typos, log, rng)
        return [pool[i] for i in log]

    def describe(self) -> dict[str, Any]:
        distinct = len(set(self.log))
        return {
            "corpus": self.name,
            "articles": self.articles,
            "sections": self.sections,
            "words": self.words,
            "distinct_queries": len(self.pool),
            "log_length": len(self.log),
            "log_repeat_share": 1 - distinct / len(self.log) if self.log else float("nan"),
            "typo_share": sum(self.typos[i] for i in self.log) / len(self.log) if self.log else 0.0,
            "generated_s": self.generated_s,
        }


def prepare(plan: Plan, cache: Path, seed: int) -> Corpus:
    """The corpus of a plan, generated into the cache unless an identical one is there."""
    if plan.chunks is None:
        return _default_corpus(plan, seed)
    # The vocabulary starts from the shipped content's words, so a content edit makes a new corpus.
    words_digest = hashlib.sha256(" ".join(base_vocabulary()).encode()).hexdigest()[:8]
    name = f"{plan.name}-s{seed}-g{GENERATOR_VERSION}-p{plan.pool}-l{plan.log}-w{words_digest}"
    folder = cache / "corpora" / name
    meta_path = folder / "queries.json"
    if not meta_path.exists():
        started = time.perf_counter()
        tmp = folder.with_name(folder.name + f".tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        data = generate(tmp / "content", plan, seed)
        data["generated_s"] = time.perf_counter() - started
        (tmp / "queries.json").write_text(json.dumps(data), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.replace(folder)
        fresh = True
    else:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
        fresh = False
    return Corpus(
        name=plan.name,
        content=folder / "content",
        pool=[p["q"] for p in data["pool"]],
        typos=[bool(p["typo"]) for p in data["pool"]],
        log=list(data["log"]),
        articles=data["articles"],
        sections=data["sections"],
        words=data["words"],
        generated_s=data["generated_s"] if fresh else None,
    )


def labeled_queries() -> list[str]:
    """The distinct questions of the labeled query files that exist here, in file order."""
    seen: dict[str, None] = {}
    for path in LABELED_FILES:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    seen.setdefault(str(json.loads(line)["q"]), None)
    return list(seen)


def _default_corpus(plan: Plan, seed: int) -> Corpus:
    rng = random.Random(f"default-{seed}")
    pool = labeled_queries()
    rng.shuffle(pool)
    typos = [False] * len(pool)
    log = _zipf_log(len(pool), plan.log, rng)
    _misspell(pool, typos, log, rng)
    texts = [p.read_text(encoding="utf-8") for p in sorted(DEFAULT_CONTENT.rglob("*.md"))]
    return Corpus(
        name=plan.name,
        content=DEFAULT_CONTENT,
        pool=pool,
        typos=typos,
        log=log,
        articles=len(texts),
        sections=None,
        words=sum(len(words(t)) for t in texts),
    )


def _zipf_log(pool: int, length: int, rng: random.Random) -> list[int]:
    """Replay order: query i is asked with weight 1/(i+1)^1.1, so most entries are repeats."""
    if pool == 0:
        return []
    cum = list(accumulate(1.0 / (r + 1) ** 1.1 for r in range(pool)))
    return rng.choices(range(pool), cum_weights=cum, k=length)


def _misspell(pool: list[str], typos: list[bool], log: list[int], rng: random.Random) -> None:
    """Replace ~TYPO_RATE of the log's entries by a fresh misspelling of the query they repeat.

    Each misspelling is new (people rarely make the same typo twice), so it joins the pool.
    """
    for k, i in enumerate(log):
        if rng.random() < TYPO_RATE:
            misspelt, changed = _with_typo(pool[i], rng)
            if changed:
                pool.append(misspelt)
                typos.append(True)
                log[k] = len(pool) - 1


def _with_typo(query: str, rng: random.Random) -> tuple[str, bool]:
    """The query with one edit (drop, swap, replace or add a letter) in one word of 5+ letters."""
    parts = query.split(" ")
    long_words = [i for i, w in enumerate(parts) if len(w) >= 5 and w.isalpha()]
    if not long_words:
        return query, False
    i = rng.choice(long_words)
    w = parts[i]
    j = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(4)
    letter = rng.choice(string.ascii_lowercase)
    if kind == 0:
        w = w[:j] + w[j + 1 :]
    elif kind == 1:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif kind == 2:
        w = w[:j] + letter + w[j + 1 :]
    else:
        w = w[:j] + letter + w[j:]
    parts[i] = w
    return " ".join(parts), w != query.split(" ")[i]


def base_vocabulary() -> list[str]:
    """The default content's words, most frequent first (ties in alphabetical order)."""
    counts: Counter[str] = Counter()
    for path in sorted(DEFAULT_CONTENT.rglob("*.md")):
        counts.update(w for w in words(path.read_text(encoding="utf-8")) if w.isalpha())
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def vocabulary(rng: random.Random) -> list[str]:
    """The base vocabulary followed by pronounceable synthetic words, VOCABULARY_SIZE in all."""
    vocab = base_vocabulary()
    taken = set(vocab)
    while len(vocab) < VOCABULARY_SIZE:
        w = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
            for _ in range(rng.choices((1, 2, 3), weights=(2, 5, 3))[0])
        )
        if w not in taken:
            taken.add(w)
            vocab.append(w)
    return vocab


class _Writer:
    """Draws the words of one generated help center."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.vocab = vocabulary(rng)
        self.cum = list(accumulate(1.0 / (r + 2.7) ** ZIPF_S for r in range(len(self.vocab))))
        self.content_words = [w for w in self.vocab if w not in STOPWORDS and len(w) >= 3]
        self.content_cum = list(
            accumulate(1.0 / (r + 2.7) ** ZIPF_S for r in range(len(self.content_words)))
        )

    def body_words(self, n: int, focus: list[str]) -> list[str]:
        drawn = self.rng.choices(self.vocab, cum_weights=self.cum, k=n)
        return [self.rng.choice(focus) if self.rng.random() < FOCUS_RATE else w for w in drawn]

    def topic_words(self, n: int, focus: list[str], focus_share: float) -> list[str]:
        out: list[str] = []
        while len(out) < n:
            if self.rng.random() < focus_share:
                w = self.rng.choice(focus)
            else:
                w = self.rng.choices(self.content_words, cum_weights=self.content_cum)[0]
            if w not in out:
                out.append(w)
        return out

    def focus(self) -> list[str]:
        # Mid-frequency words: part the default content's own, part the synthetic long tail.
        top = min(3000, len(self.content_words))
        return self.rng.sample(self.content_words[30:top], 5)

    def paragraphs(self, body: list[str]) -> str:
        sentences: list[str] = []
        i = 0
        while i < len(body):
            n = self.rng.randint(6, 18)
            s = body[i : i + n]
            i += n
            sentences.append(" ".join([s[0].capitalize(), *s[1:]]) + ".")
        blocks: list[str] = []
        listed = 3 if len(sentences) > 5 and self.rng.random() < 0.15 else 0
        prose = sentences[: len(sentences) - listed]
        while prose:
            k = self.rng.randint(2, 5)
            blocks.append(" ".join(prose[:k]))
            prose = prose[k:]
        if listed:
            blocks.append("\n".join(f"- {s}" for s in sentences[-listed:]))
        return "\n\n".join(blocks)


def generate(content: Path, plan: Plan, seed: int) -> dict[str, Any]:
    """Write a help center of `plan.chunks` sections into `content`; returns its query log."""
    assert plan.chunks is not None
    rng = random.Random(f"{plan.name}-{seed}")
    writer = _Writer(rng)
    content.mkdir(parents=True)
    for extra in ("channels.yaml", "synonyms.yaml"):
        shutil.copyfile(DEFAULT_CONTENT / extra, content / extra)
    channels_data = yaml.safe_load((DEFAULT_CONTENT / "channels.yaml").read_text(encoding="utf-8"))
    channel_ids = [str(c["id"]) for c in channels_data["channels"]]
    topics = sorted({_topic_of(p) for p in DEFAULT_CONTENT.glob("*.md")} | set(EXTRA_TOPICS))
    query_at = set(rng.sample(range(plan.chunks), min(plan.pool, plan.chunks)))
    pool: list[str] = []
    done = articles = total_words = 0
    while done < plan.chunks:
        articles += 1
        topic = rng.choice(topics)
        focus = writer.focus()
        title_words = writer.topic_words(rng.randint(3, 6), focus, 0.4)
        title = " ".join(title_words).capitalize()
        meta: dict[str, Any] = {
            "id": f"{topic}-{articles:06d}",
            "title": title,
            "summary": " ".join(writer.body_words(rng.randint(12, 25), focus)).capitalize() + ".",
            "topic": topic,
        }
        if rng.random() < 0.4:
            meta["channel"] = rng.choice(channel_ids)
        if rng.random() < 0.3:
            meta["questions"] = [
                "how do i " + " ".join(writer.topic_words(rng.randint(2, 3), focus, 0.5))
                for _ in range(rng.randint(1, 2))
            ]
        parts = ["---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).strip(), "---"]
        for _ in range(min(rng.randint(3, 8), plan.chunks - done)):
            heading = writer.topic_words(rng.randint(2, 5), focus, 0.6)
            body = writer.body_words(rng.randint(80, 300), focus)
            total_words += len(body)
            parts.append(f"\n## {' '.join(heading).capitalize()}\n\n{writer.paragraphs(body)}")
            if done in query_at:
                pool.append(_query_from(rng, heading, focus, body))
            done += 1
        folder = content / topic
        folder.mkdir(exist_ok=True)
        (folder / f"{meta['id']}.md").write_text("\n".join(parts) + "\n", encoding="utf-8")
    rng.shuffle(pool)
    queries = [str(q) for q in pool]
    typos = [False] * len(queries)
    log = _zipf_log(len(queries), plan.log, rng)
    _misspell(queries, typos, log, rng)
    return {
        "pool": [{"q": q, "typo": t} for q, t in zip(queries, typos, strict=True)],
        "log": log,
        "articles": articles,
        "sections": done,
        "words": total_words,
    }


def _topic_of(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("topic:"):
            return line.split(":", 1)[1].strip()
    return "general"


def _query_from(rng: random.Random, heading: list[str], focus: list[str], body: list[str]) -> str:
    """What someone looking for this section might type: 1–5 of its heading, focus or body words."""
    strong = list(dict.fromkeys([*heading, *focus]))
    weak = [w for w in dict.fromkeys(body) if w not in STOPWORDS and len(w) >= 3] or strong
    n = rng.choices(QUERY_WORDS, weights=QUERY_WORD_WEIGHTS)[0]
    chosen: list[str] = []
    for _ in range(n * 4):
        if len(chosen) == n:
            break
        w = rng.choice(strong if rng.random() < 0.55 else weak)
        if w not in chosen:
            chosen.append(w)
    if len(chosen) <= 3 and rng.random() < 0.2:
        chosen = ["how", "to", *chosen]
    return " ".join(chosen)
