"""Segments written by kb's SegmentBuilder hold exactly what Whoosh's own writer would write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.reading import IndexReader

from indexer import find_sources, parse_article
from indexer.schema import analyzer, make_schema
from indexer.segment import SegmentBuilder, TextAnalysis, chunk_docs
from tests.conftest import CONTENT

TRICKY = [
    "",
    "the and of",  # stop words only
    "How do I reset my password? Reset it twice: reset, RESET!",
    "A stop word first: a parcel, then an order",
    "where's my refund — it hasn't arrived; I can't log in",
    "version 3.141 and v2.0.1, under_score, file*name, e-mail, x",
    "Straße İstanbul ÉCOLE naïve café 東京 ١٢٣ Ⅻ ǅungla",
    "a\u00a0b non\u2011breaking  tabs\tand\nnewlines\r\n",
    "running runs runner ran — stemming, stemmed, stems",
    "*** ** * ... .. . _ __",
]


def _whoosh_terms(text: str) -> dict[bytes, list[int]]:
    found: dict[bytes, list[int]] = {}
    for t in analyzer()(text, positions=True, mode="index"):
        found.setdefault(t.text.encode("utf-8"), []).append(t.pos)
    return found


def _shipped_texts() -> list[str]:
    texts: list[str] = []
    for source in find_sources(CONTENT):
        article = parse_article(source)
        texts += [article.title, article.summary, *article.questions]
        texts += [s.text for s in article.sections] + [" / ".join(s.path) for s in article.sections]
    return texts


def test_text_analysis_gives_the_terms_and_positions_of_whooshs_analyzer() -> None:
    """kb's one-pass analysis finds the same terms at the same positions as the schema's analyzer,
    on awkward text and on every text of the shipped help center."""
    analysis = TextAnalysis.of(analyzer())
    assert analysis is not None
    for text in TRICKY + _shipped_texts():
        assert analysis.positions(text) == _whoosh_terms(text), text


def test_an_analyzer_it_cannot_reproduce_is_refused() -> None:
    """An analyzer chain other than tokenizer, lower case, stop words and stemming is not imitated."""
    from whoosh.analysis import StandardAnalyzer

    assert TextAnalysis.of(StandardAnalyzer()) is None


def _docs() -> list[dict[str, Any]]:
    docs = [d for s in find_sources(CONTENT) for d in chunk_docs(parse_article(s))]
    # Chunks sharing a title, summary and questions (reused analyses) and values Whoosh must skip.
    docs.append({**docs[-1], "chunk_id": "x#1", "body": "", "questions": ""})
    docs.append({**docs[-1], "chunk_id": "x#2", "summary": None, "body": "the of and"})
    return docs


def _contents(reader: IndexReader) -> dict[str, Any]:
    """Everything a reader can tell about an index's documents and postings, file offsets aside."""
    postings = {}
    for fieldname, tbytes in reader.all_terms():
        m = reader.postings(fieldname, tbytes)
        items = []
        while m.is_active():
            items.append((m.id(), m.weight(), m.value()))
            m.next()
        info = dict(reader.term_info(fieldname, tbytes).__dict__)
        del info["_offset"], info["_length"]  # where the postings are in the file, not what
        postings[(fieldname, tbytes)] = (items, info)
    names = reader.schema.names()
    docs = range(reader.doc_count_all())
    return {
        "postings": postings,
        "stored": [reader.stored_fields(d) for d in docs],
        "lengths": {f: [reader.doc_field_length(d, f) for d in docs] for f in names},
        "totals": {f: reader.field_length(f) for f in names},
    }


def test_a_built_segment_equals_whooshs_own(tmp_path: Path) -> None:
    """Every term, posting (weight, positions), block statistic, field length and stored field of a
    SegmentBuilder segment is what IndexWriter.add_document writes for the same chunks."""
    docs = _docs()
    (tmp_path / "whoosh").mkdir()
    (tmp_path / "kb").mkdir()
    theirs = whoosh_index.create_in(str(tmp_path / "whoosh"), make_schema())
    with theirs.writer() as writer:
        for doc in docs:
            writer.add_document(**{k: v for k, v in doc.items() if v is not None})

    ours = whoosh_index.create_in(str(tmp_path / "kb"), make_schema())
    builder = SegmentBuilder(ours.schema)
    for doc in docs:
        builder.add(doc)
    segment = builder.write(ours.storage, ours.indexname)
    with ours.writer() as writer:
        writer.mergetype = lambda _writer, existing: [*existing, segment]

    with theirs.reader() as expected, ours.reader() as got:
        assert got.doc_count_all() == len(docs)
        assert _contents(got) == _contents(expected)


def test_a_schema_with_features_it_does_not_write_is_refused() -> None:
    """A schema asking for term vectors (which the builder does not write) fails at once."""
    from whoosh.fields import TEXT, Schema

    with pytest.raises(ValueError, match="vectors"):
        SegmentBuilder(Schema(body=TEXT(vector=True)))


def _termwise_field(
    terms_writer: Any,
    name: str,
    field: Any,
    terms: dict[bytes, list[tuple[int, float, bytes]]],
    lengths: dict[int, int],
) -> None:
    """Whoosh's own way to write a field's postings: term by term, posting by posting."""
    terms_writer.start_field(name, field)
    for tbytes in sorted(terms):
        terms_writer.start_term(tbytes)
        for docnum, weight, vbytes in terms[tbytes]:
            terms_writer.add(docnum, weight, vbytes, lengths.get(docnum))
        terms_writer.finish_term()
    terms_writer.finish_field()


def _segment_files(tmp_path: Path, docs: list[dict[str, Any]]) -> dict[str, bytes]:
    """The files of the segment a SegmentBuilder writes for `docs`, named without the segment's id."""
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    builder = SegmentBuilder(ix.schema)
    for doc in docs:
        builder.add(doc)
    segment = builder.write(ix.storage, ix.indexname)
    compound = segment.open_compound_file(ix.storage)
    files = {}
    for name in compound.list():
        with compound.open_file(name) as f:
            files[name.replace(segment.segment_id(), "")] = f.read()
    compound.close()
    return files


def test_postings_are_written_byte_for_byte_as_whoosh_writes_them_term_by_term(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The builder's postings and term files (terms written whole, term info packed directly) are
    the bytes Whoosh's field writer produces from the same postings, term by term, including
    terms with more postings than one block holds."""
    # 384 chunks: terms in every one of them fill exactly three blocks of 128 postings.
    docs = [{**doc, "chunk_id": f"{doc['chunk_id']}-{n}"} for n in range(10) for doc in _docs()]
    docs = docs[:384]
    (tmp_path / "direct").mkdir()
    (tmp_path / "termwise").mkdir()
    direct = _segment_files(tmp_path / "direct", docs)
    monkeypatch.setattr("indexer.segment._write_field", _termwise_field)
    termwise = _segment_files(tmp_path / "termwise", docs)
    assert direct.keys() == termwise.keys()
    assert {".pst", ".trm"} <= direct.keys()
    assert direct == termwise
