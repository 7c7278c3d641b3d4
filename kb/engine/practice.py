"""Practice questions derived from a help center's own content, and the confidence fitted with them.

A new help center has no labeled questions, so kb makes its own when it builds an index:

- answerable ones: titles, `questions:`, summaries, section headings, and sentences cut to their
  3–5 most telling words; each is answered by the article it came from and by every other article
  holding all its words;
- trusted negatives, which no article answers: a shipped pool of general questions (offtopic.txt),
  and look-alikes that put the content's own words beside a subject from elsewhere.

They measure the content's cosine scale: where the cosine of the top answer lies for a question no
article answers (the negatives' median) and for one that is answered (the right practice answers'
median). The confidence model (kb.engine.confidence) is then fitted on the prior, the top answers
to the labeled questions of the help centers kb ships labels for (`confidence-prior.json`, written
by `kb fit-blend --prior`, each row's cosine on its own help center's scale), with the cosine on
this content's scale as a signal, and on the top answers to look-alikes of this content: its own
tasks applied to another product or service ("cancel subscription for my netflix"), which its
words match and it does not answer. The prior cannot hold those: they are made of each help
center's own words. There are a sixth as many of them as prior rows (LOOKALIKE_SHARE), fewer
than the prior's off-topic questions; they teach the weights which answers are likelier wrong, and
the bias is then refitted on the prior alone, so that the level of confidence stays the one labeled
questions show (fitted with them, the model grows timid on every question).

Cosine levels differ from one help center to the next; on each one's own scale they mean the same.
(Fitted on the practice questions themselves, the model is timid: they are easier than people's
questions by their words and harder by their labels.) The model and the scale are stored with the
version (`confidence.json`) and replace the shipped model's confidence there; the shipped ranking
model is kept. docs/decisions/ has the measurements.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

from indexer import article_store, layout, vectors
from indexer.article import Article
from indexer.layout import CONFIDENCE
from indexer.schema import STOPWORDS
from kb.engine.common_words import Lexicon
from kb.engine.confidence import DEFAULT_PATH as DEFAULT_MODEL
from kb.engine.confidence import FEATURES, Model, fit, refit_bias
from kb.engine.search import SearchEngine, SearchRequest
from kb.engine.snapshot import Snapshot, SnapshotHolder, own_confidence
from kb.errors import KbError

OFFTOPIC = Path(__file__).with_name("offtopic.txt")
NO_SUBJECT = Path(__file__).with_name("no-subject.txt")
PRIOR = Path(__file__).with_name("confidence-prior.json")
SEMANTIC_FEATURES = ("cosine_scaled", "cosine_margin")
ANSWERABLE = 400  # practice questions with an answer, at most (sampled evenly by kind)
NEGATIVE_SHARE = 0.3  # of all practice questions
LOOKALIKE_SHARE = 0.15  # look-alike rows fitted beside the prior, per prior row
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")
# Subjects no help center about software or shopping covers, beside its own words in look-alikes.
ELSEWHERE = (
    "my facebook account",
    "a car insurance claim",
    "my tax return",
    "the wifi router at home",
    "a dentist appointment",
    "my mortgage",
    "a train ticket",
    "my passport",
    "the weather",
    "a recipe",
    "my gym membership",
    "a parking fine",
    "my landlord",
    "a wedding speech",
    "the lottery",
    "my pension",
    "a flight delay",
    "my cat",
    "a broken boiler",
    "my netflix",
)
FRAMES = ("how do I {w} {x}", "{w} {x}", "can you {w} {x} for me", "{x} {w} problem")
JOINS = ("for", "on", "in", "with", "of")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.split()) >= 5]


def _spread(articles: list[Article]) -> Counter[str]:
    """In how many articles each word occurs."""
    return Counter(
        w for a in articles for w in {w.lower() for s in a.sections for w in _WORD.findall(s.text)}
    )


def _draw(*item: str) -> int:
    """A pseudo-random number that is the item's own: the same whatever else the content holds.
    Practice questions are drawn by it, not by one random stream, so that an edit to one article
    changes only the draws of what it added or removed, not every later one (with a stream, one
    more heading reshuffled every list and another model was fitted for the whole help center)."""
    digest = hashlib.blake2b("\x1f".join(item).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _pick(n: int, first: Sequence[str], second: Sequence[str]) -> tuple[str, str]:
    """One of each of two lists, both chosen by the one draw `n`."""
    return first[n % len(first)], second[n // len(first) % len(second)]


def _keywords(sentence: str, spread: Counter[str]) -> str:
    """A sentence as people search for it: its 3–5 most telling words (those in fewest
    articles), in the sentence's order."""
    words = [w for w in _WORD.findall(sentence) if w.lower() not in STOPWORDS]
    # ties go by the word's place in the sentence, never by set order (which hashing varies per
    # process): the same content gives the same practice questions, and the same model, in any run
    keep = set(
        sorted(dict.fromkeys(words), key=lambda w: spread[w.lower()])[: 3 + _draw(sentence) % 3]
    )
    return " ".join(dict.fromkeys(w for w in words if w in keep))


def _content_words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in STOPWORDS}


def answers(articles: list[Article]) -> Callable[[str, str], set[str]]:
    """The articles that answer a practice question as well as the one it came from does: every
    article holding all of its words (a heading or a sentence's words are often in several)."""
    holding: dict[str, set[str]] = {}
    for a in articles:
        text = " ".join([a.title, a.summary, *a.questions, *(s.text for s in a.sections)])
        for w in _content_words(text) | _content_words(" ".join(s.heading for s in a.sections)):
            holding.setdefault(w, set()).add(a.id)

    def right(question: str, source: str) -> set[str]:
        words = _content_words(question)
        found = set.intersection(*(holding.get(w, set()) for w in words)) if words else set()
        return found | {source}

    return right


def answerable(articles: list[Article]) -> list[tuple[str, str]]:
    """(question, article id) pairs derived from the articles, up to ANSWERABLE, mixed by kind
    (each kind's in the order of their own draws)."""
    kinds: dict[str, list[tuple[str, str]]] = {
        k: [] for k in ("title", "asked", "summary", "heading", "sentence")
    }
    spread = _spread(articles)
    for a in articles:
        kinds["title"].append((a.title, a.id))
        kinds["asked"].extend((q, a.id) for q in a.questions)
        if a.summary:
            kinds["summary"].append((a.summary, a.id))
        for s in a.sections:
            if s.level >= 2 and len(s.heading.split()) >= 2:
                kinds["heading"].append((s.heading, a.id))
            for sentence in _sentences(s.text)[:2]:
                query = _keywords(sentence, spread)
                if len(query.split()) >= 3:
                    kinds["sentence"].append((query, a.id))
    for kind, found in kinds.items():
        found.sort(key=lambda q: (_draw(kind, *q), q))
    share = ANSWERABLE // len(kinds)
    picked = [q for found in kinds.values() for q in found[:share]]
    spare = [q for found in kinds.values() for q in found[share:]]
    return picked + spare[: max(0, ANSWERABLE - len(picked))]


def _lines(path: Path) -> list[str]:
    """A shipped list's questions: one a line, `#` comments left out."""
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def no_subject() -> list[str]:
    """Messages that ask for help and name nothing to help with ("I have a question", "can you
    help me"): no article answers them, yet a help center's words ("help", "question") match them
    in its titles, so they teach the fit what a match on those words alone is worth."""
    return _lines(NO_SUBJECT)


def negatives(articles: list[Article], count: int) -> list[str]:
    """Questions no article answers: the shipped pools (general questions, messages with no
    subject), then look-alikes in the content's words."""
    pool = sorted(
        set(_lines(OFFTOPIC)) | set(no_subject()), key=lambda q: (_draw("offtopic", q), q)
    )
    counts: Counter[str] = Counter(
        w.lower() for a in articles for w in _WORD.findall(f"{a.title} {a.summary}")
    )
    common = [w for w, _ in counts.most_common(200) if len(w) > 3]
    found = pool[: count // 2]
    turn = 0  # each turn puts every common word in a frame beside a subject from elsewhere
    while common and len(found) < count:
        made = []
        for w in common:
            n = _draw("negative", str(turn), w)
            frame, x = _pick(n, FRAMES, ELSEWHERE)
            made.append((n, frame.format(w=w, x=x)))
        found += [q for _, q in sorted(made)][: count - len(found)]
        turn += 1
    return found


def lookalikes(positives: list[tuple[str, str]], count: int) -> list[str]:
    """Questions about another product or service in the content's own task words: a title,
    heading or listed question of the content, applied to a subject from elsewhere ("cancel
    subscription for my netflix"). The content has the words; it does not answer them."""
    tasks = sorted(
        {q for q, _ in positives if 2 <= len(q.split()) <= 8}, key=lambda q: (_draw("like", q), q)
    )
    made = []
    for task in tasks[:count]:
        join, x = _pick(_draw("subject", task), JOINS, ELSEWHERE)
        made.append(f"{task.rstrip('?.!').lower()} {join} {x}")
    return made


class _Pinned(SnapshotHolder):
    """A holder of one snapshot that never changes (practice runs on a version not yet live)."""

    def __init__(self, snap: Snapshot) -> None:
        super().__init__(snap.path.parent)
        self._pinned = snap

    def get(self) -> Snapshot:
        return self._pinned


Row = tuple[dict[str, float], bool]


def load_prior(path: Path = PRIOR) -> list[Row]:
    """The labeled rows every help center's confidence is fitted with (empty when there is none)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [({str(k): float(v) for k, v in s.items()}, bool(ok)) for s, ok in data["rows"]]


def save_prior(path: Path, rows: list[Row], meta: dict[str, object]) -> None:
    data = {**meta, "rows": [[_rounded(s), ok] for s, ok in rows]}
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")


def cosine_scale(
    snap: Snapshot, engine: SearchEngine, positives: list[tuple[str, str]] | None = None
) -> tuple[float, float]:
    """Where the cosine of a top answer lies on this content: for a question no article answers
    (the median over the negatives) and for one its articles answer (the median over the
    answerable practice questions whose top answer is right; `positives`: those questions, when the
    caller has them already)."""
    articles = list(snap.articles.values())
    positives = answerable(articles) if positives is None else positives
    right = answers(articles)
    local = _local(snap, engine)

    def top(q: str) -> tuple[float, str | None]:
        try:
            body = local.search(SearchRequest(q=q[:400], limit=1, explain=True))
        except KbError:
            return 0.0, None
        if not body["answers"]:
            return 0.0, None
        return float(body["answers"][0]["signals"]["cosine"]), body["answers"][0]["article"]

    n_neg = int(len(positives) * NEGATIVE_SHARE / (1 - NEGATIVE_SHARE))
    asked = negatives(articles, n_neg)
    local.query_vectors.remember(q[:400] for q in [*(q for q, _ in positives), *asked])
    hit = [c for q, a in positives for c, got in [top(q)] if got in right(q, a)]
    missed = [top(q)[0] for q in asked]
    low, high = statistics.median(missed or [0.0]), statistics.median(hit or [1.0])
    return low, max(high, low + 0.05)


def _local(snap: Snapshot, engine: SearchEngine) -> SearchEngine:
    """An engine like `engine` over this one snapshot, uncached."""
    local = SearchEngine(
        _Pinned(snap),
        engine.model,
        lexicon=engine.lexicon,
        semantic=True,
        blend=engine.blend,
        cache_size=0,
    )
    local.query_vectors = engine.query_vectors
    return local


def scaled(cosine: float, scale: tuple[float, float]) -> float:
    """A cosine on the content's own scale: 0 where off-topic questions' lie, 1 where answered ones'."""
    return (cosine - scale[0]) / (scale[1] - scale[0])


def fit_version(
    version: Path,
    engine: SearchEngine,
    prior: list[Row] | None = None,
    lookalike_share: float = LOOKALIKE_SHARE,
    inputs: str | None = None,
) -> Model | None:
    """Fit the confidence model of the index version in `version` and store it there: the prior's
    labeled rows (by default the shipped ones) and the top answers to look-alikes of this content
    (`lookalikes`; none with `lookalike_share` 0) and to messages that name no subject
    (`no_subject`), all wrong, the cosine put on this content's scale found from its practice
    questions. None (and nothing stored) when the version has no vectors; `engine` gives the
    settings and the models to start from (it is not changed)."""
    snap = Snapshot.open(version)
    if snap.semantic is None:
        return None
    positives = answerable(list(snap.articles.values()))
    scale = cosine_scale(snap, engine, positives)
    snap.cosine_scale = scale
    rows = load_prior() if prior is None else prior
    looks = lookalike_rows(snap, engine, lookalikes(positives, int(len(rows) * lookalike_share)))
    vague = lookalike_rows(snap, engine, no_subject())
    own = looks + vague
    model = replace(_fit(rows, own), ranking=engine.model.ranking)
    meta = {
        "mode": "semantic",
        "cosine_scale": list(scale),
        "prior_rows": len(rows),
        "lookalike_rows": len(looks),
        "no_subject_rows": len(vague),
        # every wrong top answer fitted beside the prior (look-alikes, then no-subject messages):
        # a refit with labeled rows keeps them
        "lookalikes": [signals for signals, _ in own],
        "inputs": inputs,  # fit_inputs of the version when known: a rebuild with the same keeps it
    }
    tmp = version / f".{CONFIDENCE}.tmp"
    tmp.write_text(json.dumps({**model.to_json(), **meta}, indent=2) + "\n", encoding="utf-8")
    tmp.replace(version / CONFIDENCE)
    return model


def _fit(level: list[Row], more: list[Row]) -> Model:
    """The confidence model: its weights fitted on all the rows, its bias on the labeled `level`
    alone (look-alikes say which answers are likelier wrong, not how many answers are right)."""
    weighted = fit(level + more, features=FEATURES + SEMANTIC_FEATURES)
    return refit_bias(weighted, level)


def _rounded(signals: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in signals.items()}


def lookalike_rows(snap: Snapshot, engine: SearchEngine, asked: list[str]) -> list[Row]:
    """The signals of the top answer to each look-alike of the content in `asked`, labeled wrong."""
    local = _local(snap, engine)
    found: list[Row] = []
    local.query_vectors.remember(asked)
    for q in asked:
        try:
            body = local.search(SearchRequest(q=q, limit=1, explain=True))
        except KbError:
            continue
        if body["answers"] and body["answers"][0]["signals"]:
            found.append((_rounded(body["answers"][0]["signals"]), False))
    return found


def refine_version(version: Path, labeled: list[Row]) -> tuple[Model, int]:
    """Refit a version's own confidence model with labeled top answers of its help center (taken
    on its cosine scale) pooled with the prior, keeping its scale and its look-alikes; the model
    and the rows added."""
    data = json.loads((version / CONFIDENCE).read_text(encoding="utf-8"))
    own = Model.from_json(data)
    lookalikes: list[Row] = [
        ({str(k): float(v) for k, v in signals.items()}, False)
        for signals in data.get("lookalikes", [])
    ]
    model = replace(_fit(load_prior() + labeled, lookalikes), ranking=own.ranking)
    meta = {k: v for k, v in data.items() if k not in ("bias", "weights", "ranking")}
    meta["labeled_rows"] = len(labeled)
    tmp = version / f".{CONFIDENCE}.tmp"
    tmp.write_text(json.dumps({**model.to_json(), **meta}, indent=2) + "\n", encoding="utf-8")
    tmp.replace(version / CONFIDENCE)
    return model, len(labeled)


def content_fingerprint(articles: dict[str, Article]) -> str:
    """Which content this is: its articles' ids and source digests, hashed in id order."""
    digest = hashlib.sha256()
    for article_id in sorted(articles):
        digest.update(f"{article_id}\0{articles[article_id].digest}\n".encode())
    return digest.hexdigest()[:32]


def labeled_for(articles: dict[str, Article], model_path: Path | None = None) -> bool:
    """Whether the shipped confidence model was fitted on labeled questions about exactly this
    content (`kb calibrate` records the content it fitted on): labels about the content at hand
    say more than practice questions, so such content keeps that model."""
    data = json.loads((model_path or DEFAULT_MODEL).read_text(encoding="utf-8"))
    return bool(data.get("content")) and data["content"] == content_fingerprint(articles)


@cache
def _code_digest() -> str:
    """The fit's code and the files it reads beside it (this package and the indexer's: what turns
    content into answers and their signals), hashed."""
    digest = hashlib.sha256()
    for package in (Path(__file__).parent, Path(vectors.__file__).parent):
        for path in sorted(package.rglob("*")):
            if path.suffix in (".py", ".json", ".txt") and path.is_file():
                digest.update(f"{path.relative_to(package)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def fit_inputs(version: Path, language: str) -> str:
    """What a version's own confidence fit depends on, hashed: its content as read (the articles'
    sources, the reading settings), the texts its vectors hold, the language, and the code and the
    shipped models and questions the fit starts from. Two versions with the same inputs get the
    same model (the fit is seeded by the content), so a rebuild of unchanged content keeps it."""
    manifest = json.loads((version / layout.MANIFEST).read_text(encoding="utf-8"))
    digest = hashlib.sha256()
    digest.update(content_fingerprint(article_store.shared.read(version)).encode())
    digest.update(
        json.dumps([manifest.get("schema_version"), manifest.get("reading"), language]).encode()
    )
    digest.update((version / vectors.ROWS).read_bytes())
    digest.update(_code_digest().encode())
    return digest.hexdigest()[:32]


def _inputs_of(version: Path) -> str | None:
    try:
        found = json.loads((version / CONFIDENCE).read_text(encoding="utf-8")).get("inputs")
    except (OSError, ValueError):
        return None
    return found if isinstance(found, str) else None


def prepare_version(
    version: Path,
    index_dir: Path,
    *,
    semantic: bool,
    language: str,
    vector_cache: Path | None = None,
) -> None:
    """Give a version about to be published its own confidence model: fitted afresh, or kept from
    the live version when its fit had the same inputs (`fit_inputs`: a rebuild of unchanged
    content) or by an incremental build that changed a tenth of the articles or less (a live model
    that cannot be read is never kept). Only on the semantic path (the words path keeps the
    shipped model: the prior comes from that path), and not for content the shipped model was
    fitted on with labels (`labeled_for`). The practice questions' vectors are read from and
    stored in `vector_cache` when it is set."""
    if not (semantic and (version / vectors.ROWS).exists()):
        return
    if labeled_for(article_store.shared.read(version)):
        return
    manifest = json.loads((version / layout.MANIFEST).read_text(encoding="utf-8"))
    live = layout.current_version(index_dir)
    # Only a model the live snapshot can read is carried forward: a damaged one is fitted again.
    kept = live if live is not None and own_confidence(live) else None
    small = manifest.get("incremental") and manifest["changed"] * 10 <= manifest["articles"]
    if small and kept is not None:
        shutil.copyfile(kept / CONFIDENCE, version / CONFIDENCE)
        return
    inputs = fit_inputs(version, language)  # only hashed where a small edit did not decide
    if kept is not None and _inputs_of(kept) == inputs:
        shutil.copyfile(kept / CONFIDENCE, version / CONFIDENCE)
        return
    engine = SearchEngine(
        SnapshotHolder(index_dir),
        Model.load(),
        lexicon=Lexicon.load(language),
        vector_cache=vector_cache,
    )
    fit_version(version, engine, inputs=inputs)
