"""Writing one Whoosh segment of section chunks, with Whoosh's codec but not its per-document path.

`IndexWriter.add_document` analyzes every field through a chain of token generators, puts each
posting through a sorting pool and, when the segment is written, reads each posting's field length
back from disk: on a full build, most of the build's time. A `SegmentBuilder` produces the same
segment: the same terms, positions, weights, field lengths and stored fields, written by the same
codec objects (`W3Codec`'s per-document and field writers), so Whoosh reads it as its own. It gets
there by analyzing each distinct text once (an article's title, summary and questions are in every
one of its chunks), with a tokenizer equivalent to the schema's analyzer (`TextAnalysis`, checked
against Whoosh's in the tests), and by keeping postings in memory, already grouped by term.
"""

from __future__ import annotations

import functools
import re
import zlib
from array import array
from collections.abc import Callable, Iterable, Mapping
from operator import sub
from pickle import dumps
from typing import Any

from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.analysis.tokenizers import default_pattern
from whoosh.codec import default_codec
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.fields import FieldType, Schema
from whoosh.filedb import filetables
from whoosh.filedb.filestore import Storage
from whoosh.formats import Positions
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte

from indexer.article import Article, Section
from indexer.schema import facet_terms

# Whoosh's default token pattern without its capturing group, so that findall returns whole tokens.
_DEFAULT_TOKENS = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*", re.UNICODE)

ENCODED_MEMO = 100_000  # encoded position lists remembered: bounds the memo's memory

_TERM_INFO = W3TermInfo._struct  # flags, weight, frequency, lengths, max weight, first and last id
_KEY_VALUE_LENGTHS = filetables._lengths  # before each key and value in a hash file
# Field lengths as the byte Whoosh keeps (a logarithmic scale); few distinct lengths recur.
_length_byte = functools.cache(length_to_byte)

# (docnum, weight, encoded value) of one posting
Posting = tuple[int, float, bytes]
# (term bytes, frequency, weight, encoded value) of one term in one field value, as FieldType.index
Item = tuple[bytes, int, float, bytes]


def chunk_sections(article: Article) -> list[Section]:
    """The sections of an article worth a chunk (a Whoosh document) of their own: at least one."""
    return [s for s in article.sections if s.text.strip()] or article.sections[:1]


def chunk_docs(article: Article) -> Iterable[dict[str, Any]]:
    """The Whoosh documents of one article: one per section worth showing."""
    sections = chunk_sections(article)
    facets = ",".join(facet_terms({**article.meta, "topic": article.topic}))
    questions = "\n".join(article.questions)
    for s in sections:
        yield {
            "chunk_id": f"{article.id}#{s.anchor}",
            "article": article.id,
            "anchor": s.anchor,
            "position": s.position,
            "title": article.title,
            "headings": " / ".join(s.path[1:]),
            "questions": questions,
            "summary": article.summary,
            "body": s.text,
            "topic": article.topic,
            "audience": article.audience,
            "facets": facets,
        }


class TextAnalysis:
    """The terms of a text and their positions, as a RegexTokenizer | LowercaseFilter | StopFilter
    | StemFilter analyzer gives them, computed with one regular-expression pass and a per-word memo."""

    def __init__(
        self,
        tokens: re.Pattern[str],
        stops: frozenset[str],
        minsize: int,
        maxsize: int | None,
        renumber: bool,
        stem: Callable[[str], str],
        ignore: frozenset[str],
    ) -> None:
        self._findall = tokens.findall
        self._stops = stops
        self._min = minsize
        self._max = maxsize
        self._renumber = renumber
        self._stem = stem
        self._ignore = ignore
        self._memo: dict[str, bytes | None] = {}

    @classmethod
    def of(cls, analyzer: Any) -> TextAnalysis | None:
        """The equivalent of `analyzer`, or None when it is not a chain this class reproduces."""
        if not isinstance(analyzer, CompositeAnalyzer):
            return None
        parts = list(analyzer.items)
        kinds = [type(p) for p in parts]
        if kinds != [RegexTokenizer, LowercaseFilter, StopFilter, StemFilter]:
            return None
        tokenizer, _, stop, stem = parts
        if tokenizer.gaps:
            return None
        if tokenizer.expression.pattern == default_pattern.pattern:
            tokens = _DEFAULT_TOKENS
        elif tokenizer.expression.groups == 0:
            tokens = tokenizer.expression
        else:
            return None
        return cls(
            tokens,
            frozenset(stop.stops),
            stop.min,
            stop.max,
            stop.renumber,
            stem._stem,  # the filter's stemming function as it calls it (its language, its cache)
            frozenset(stem.ignore),
        )

    def _term(self, token: str) -> bytes | None:
        """A token's indexed term (UTF-8), or None when the stop filter drops it."""
        text = token.lower()
        size = len(text)
        if size < self._min or (self._max is not None and size > self._max) or text in self._stops:
            return None
        return (text if text in self._ignore else self._stem(text)).encode("utf-8")

    def positions(self, text: str) -> dict[bytes, list[int]]:
        """Each term of `text` (UTF-8) and the positions it has there (as Whoosh numbers them)."""
        memo = self._memo
        found: dict[bytes, list[int]] = {}
        pos = -1
        for i, token in enumerate(self._findall(text)):
            term = memo.get(token, b"")  # b"": not seen yet (no term is empty)
            if term == b"":
                term = memo[token] = self._term(token)
            if term is None:
                continue
            # StopFilter(renumber=True): the first kept token keeps its place, the rest follow it.
            pos = i if pos < 0 or not self._renumber else pos + 1
            at = found.get(term)
            if at is None:
                found[term] = [pos]
            else:
                at.append(pos)
        return found


class SegmentBuilder:
    """Chunks added one by one (`add`), written as one new segment of an index (`write`)."""

    def __init__(self, schema: Schema) -> None:
        self._schema = schema
        self._fast: dict[str, tuple[TextAnalysis, Any]] = {}
        analyses: dict[int, TextAnalysis | None] = {}
        for name, field in schema.items():
            if field.vector or field.column_type or field.separate_spelling():
                raise ValueError(
                    f"field {name!r}: vectors, columns and spelling are not written here"
                )
            analyzer = getattr(field, "analyzer", None)
            if field.indexed and type(field.format) is Positions:
                if id(analyzer) not in analyses:
                    analyses[id(analyzer)] = TextAnalysis.of(analyzer)
                analysis = analyses[id(analyzer)]
                if analysis is not None:
                    self._fast[name] = (analysis, field.format)
        self._postings: dict[str, dict[bytes, list[Posting]]] = {}
        self._lengths: dict[str, dict[int, int]] = {}
        self._stored: list[list[tuple[str, FieldType, Any, int]]] = []
        self._last: dict[str, tuple[str, list[Item], int]] = {}
        self._encoded: dict[tuple[int, ...], bytes] = {}
        self.doc_count = 0

    def _items(self, name: str, field: FieldType, value: Any) -> tuple[list[Item], int]:
        """A field value's (term, frequency, weight, encoded value) items and its length, reused
        when the same field had the same value in the previous chunk."""
        last = self._last.get(name)
        if last is not None and last[0] == value:
            return last[1], last[2]
        fast = self._fast.get(name)
        if fast is not None and isinstance(value, str):
            analysis, fmt = fast
            boost = fmt.field_boost
            encoded = self._encoded
            items: list[Item] = []
            for term, at in analysis.positions(value).items():
                # Positions are encoded with a pickle each; most short lists recur, so look them up.
                key = tuple(at)
                vbytes = encoded.get(key)
                if vbytes is None:
                    if len(encoded) >= ENCODED_MEMO:
                        encoded.clear()
                    vbytes = encoded[key] = fmt.encode(at)
                items.append((term, len(at), len(at) * boost, vbytes))
        else:
            items = list(field.index(value))
        length = sum(freq for _, freq, _, _ in items) if field.scorable else 0
        if isinstance(value, str):
            self._last[name] = (value, items, length)
        return items, length

    def add(self, doc: Mapping[str, Any]) -> None:
        """Add one chunk (field name → value), as `IndexWriter.add_document(**doc)` would."""
        schema = self._schema
        docnum = self.doc_count
        fields: list[tuple[str, FieldType, Any, int]] = []
        for name in sorted(doc):
            value = doc[name]
            if value is None:
                continue
            field = schema[name]  # a KeyError for a field the schema does not have
            length = 0
            if field.indexed:
                items, length = self._items(name, field, value)
                terms = self._postings.setdefault(name, {})
                for tbytes, _, weight, vbytes in items:
                    posting = (docnum, weight, vbytes or b"")
                    found = terms.get(tbytes)
                    if found is None:
                        terms[tbytes] = [posting]
                    else:
                        found.append(posting)
                if length:
                    self._lengths.setdefault(name, {})[docnum] = length
            fields.append((name, field, value if field.stored else None, length))
        self._stored.append(fields)
        self.doc_count += 1

    def write(self, storage: Storage, indexname: str) -> Segment:
        """Write the segment's files into `storage` (one compound file) and return the segment,
        for a writer's commit to list in the index's table of contents."""
        codec = default_codec()
        segment = codec.new_segment(storage, indexname)
        per_doc = codec.per_document_writer(storage, segment)
        for docnum, fields in enumerate(self._stored):
            per_doc.start_doc(docnum)
            for name, field, stored, length in fields:
                per_doc.add_field(name, field, stored, length)
            per_doc.finish_doc()
        per_doc.close()
        terms_writer = codec.field_writer(storage, segment)
        for name in sorted(self._postings):
            # Whoosh's writer gives each posting the length it reads back from the segment, rounded
            # to what a byte holds; the exact one serves as well: blocks store lengths as bytes.
            lengths = self._lengths.get(name, {})
            _write_field(terms_writer, name, self._schema[name], self._postings[name], lengths)
        terms_writer.close()
        segment.set_doc_count(self.doc_count)
        segment.create_compound_file(storage)
        segment.compound = True
        return segment


def _write_field(
    terms_writer: Any,
    name: str,
    field: FieldType,
    terms: dict[bytes, list[Posting]],
    lengths: dict[int, int],
) -> None:
    """Write a field's terms and postings as `W3FieldWriter` does term by term
    (`start_term`, `add` per posting, `finish_term`), producing the same bytes.

    Per term, Whoosh's path makes a term info and a block buffer of arrays, loops over the postings
    in Python for each block's statistics, asks the file for its position a few times and writes
    each piece separately. Here each term's blocks are assembled in memory with C-speed builtins and
    written at once, and its term info is packed directly, which writes a segment in less time
    (docs/performance.md, "Builds"). whoosh3 is pinned exactly; a test compares the files with those
    Whoosh's path writes.
    """
    terms_writer.start_field(name, field)
    postwriter = terms_writer._postwriter
    postfile = terms_writer._postfile
    tindex = terms_writer._tindex
    limit = postwriter._blocklimit
    level = postwriter._compression
    if postwriter._byteids or postwriter._inlinelimit > 1:
        raise ValueError("only numeric ids and postings never inlined are written here")
    fixed = field.format.fixed_value_size()
    prefix = pack_ushort(terms_writer._fieldid)
    offset = postfile.tell()
    # The term index is an OrderedHashWriter; its `add`, inlined, with positions counted here
    # instead of asked of the file twice a term.
    terms_file = tindex.dbfile
    key_at = terms_file.tell()
    hash_key = tindex.hashfn
    buckets = tindex.buckets
    index_key = tindex.index.append
    lastkey = tindex.lastkey
    for tbytes in sorted(terms):
        data, info = _term_postings(terms[tbytes], lengths, limit, level, fixed, offset)
        postfile.write(data)
        offset += len(data)
        key = prefix + tbytes
        if key <= lastkey:
            raise ValueError(f"Keys must increase: {lastkey!r}..{key!r}")
        index_key(key_at)
        terms_file.write(_KEY_VALUE_LENGTHS.pack(len(key), len(info)) + key + info)
        h = hash_key(key)
        buckets[h & 255].append((h, key_at))
        key_at += _KEY_VALUE_LENGTHS.size + len(key) + len(info)
        lastkey = key
    tindex.lastkey = lastkey
    terms_writer.finish_field()


def _term_postings(
    postings: list[Posting],
    lengths: dict[int, int],
    limit: int,
    level: int,
    fixed: int | None,
    offset: int,
) -> tuple[bytes, bytes]:
    """One term's postings as `W3PostingsWriter` writes them (blocks of `limit`, each a header,
    pickled statistics and pickled, maybe compressed, data) and its packed `W3TermInfo`."""
    parts = [WHOOSH3_HEADER_MAGIC]
    total = 0.0
    minlength: int | None = None
    maxlength = 0
    maxweight: float = 0
    last = len(postings)
    for start in range(0, last, limit):
        ids, weights, values = zip(*postings[start : start + limit], strict=True)
        stored = array("f", weights)  # Whoosh keeps weights as 32-bit floats
        total += sum(stored)
        # (C-speed equivalents of Whoosh's per-posting loops, here and below)
        if stored.count(stored[0]) == len(stored):
            mini_weights: Any = None if stored[0] == 1.0 else stored[0]
        else:
            mini_weights = tuple(stored)
        deltas = tuple(map(sub, ids, (0, *ids[:-1])))
        if fixed is None or fixed < 0:  # the format's values vary in size: a tuple of them
            mini_values: Any = tuple(filter(None, values))
        elif fixed == 0:  # no values
            mini_values = None
        else:
            mini_values = b"".join(filter(None, values))
        databytes = dumps((deltas, mini_weights, mini_values), 2)
        comp = level if len(databytes) >= COMPRESSION_MIN_SIZE else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        heaviest = max(weights)
        block_max = heaviest if heaviest > 0 else 0  # max(0, *weights), as Whoosh keeps it
        found = list(filter(None, map(lengths.get, ids)))
        block_min = min(found) if found else None
        block_maxlen = max(found) if found else 0
        infobytes = dumps(
            (
                len(ids),
                ids[-1],
                block_max,
                comp,
                _length_byte(block_min),
                _length_byte(block_maxlen),
            ),
            2,
        )
        size = len(infobytes) + len(databytes)
        parts += (pack_int(-size if start + limit >= last else size), infobytes, databytes)
        if minlength is None:
            minlength = block_min
        elif block_min is not None:  # (Whoosh would fail on a block without lengths after one with)
            minlength = min(minlength, block_min)
        maxlength = max(maxlength, block_maxlen)
        maxweight = max(maxweight, block_max)
    data = b"".join(parts)
    info = _TERM_INFO.pack(
        False,
        total,
        last,
        0 if minlength is None else _length_byte(minlength),
        _length_byte(maxlength),
        maxweight,
        postings[0][0],
        postings[-1][0],
    )
    return data, info + pack_long(offset) + pack_int(len(data))
