"""The sentence encoder: pinned weights, BERT's tokenizer, unit vectors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer import encoder

pytestmark = pytest.mark.skipif(not encoder.available(), reason="kb[semantic] is not installed")


def test_tokenizer_gives_the_models_token_ids() -> None:
    """The pure-Python WordPiece gives BERT uncased's ids: case, accents, punctuation, word pieces."""
    words = encoder.WordPiece()
    assert words.encode("Hello, world!") == [101, 7592, 1010, 2088, 999, 102]
    assert words.encode("The café is naïve") == [101, 1996, 7668, 2003, 15743, 102]
    assert words.encode("pakage not delivred") == [101, 22190, 4270, 2025, 3972, 12848, 5596, 102]
    assert words.encode("") == [101, 102]


def test_tokenizer_cuts_long_texts_to_the_models_length() -> None:
    """A text longer than the model reads is cut to MAX_TOKENS ids, ending with [SEP]."""
    ids = encoder.WordPiece().encode("word " * 1000)
    assert len(ids) == encoder.MAX_TOKENS and ids[-1] == 102


def test_a_corrupted_model_file_is_refused(tmp_path: Path) -> None:
    """A model file whose sha256 is not the pinned one is never loaded: a clear error says so."""
    original = Path(__import__(encoder.MODEL_PACKAGE).model_path())
    copy = tmp_path / "model.onnx"
    shutil.copyfile(original, copy)
    with copy.open("r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(encoder.EncoderError, match="not the pinned file"):
        encoder.Encoder(copy)


def test_the_pinned_model_embeds_meaning() -> None:
    """Texts become unit vectors, and a paraphrase is closer than an unrelated question."""
    found = encoder.shared_encoder().embed(
        ["How do I reset my password?", "I forgot my login credentials", "Weather in Paris"]
    )
    assert found.shape == (3, encoder.DIMENSIONS)
    assert np.allclose(np.linalg.norm(found, axis=1), 1.0, atol=1e-4)
    assert found[0] @ found[1] > found[0] @ found[2] + 0.3


TEXTS = [
    "Refund",
    "How do I reset my password?",
    "Returns and refunds > Start a return\n"
    + "Pack the item in its box and print the label. " * 12,
    "Track your order > Where is my package\nThe tracking link in your email shows each step.",
    "word " * 400,
]


def test_a_texts_vector_does_not_depend_on_the_texts_run_with_it() -> None:
    """A text's vector is the same bytes embedded alone or with texts of other lengths (so a vector
    kept by its text's key, or embedded by any worker, is the one a build would make)."""
    model = encoder.shared_encoder()
    alone = np.stack([model.embed([t])[0] for t in TEXTS])
    assert model.embed(TEXTS).tobytes() == alone.tobytes()
    assert model.embed(TEXTS[::-1])[::-1].tobytes() == alone.tobytes()


def _published(path: Path) -> encoder.Vectors:
    """The texts' vectors from the model's graph as published (its weights widened to float32)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    rows = []
    for text in TEXTS:
        ids = np.array([encoder.WordPiece().encode(text)], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": 0 * ids}
        pooled = session.run(["last_hidden_state"], feeds)[0][0].mean(axis=0)
        rows.append(pooled / np.linalg.norm(pooled))
    return np.stack(rows)


def test_int8_products_keep_the_published_models_vectors() -> None:
    """Multiplying the weights as int8 moves a vector by a cosine of at most 0.02 from the published
    graph's, and the uint8 form for CPUs without VNNI gives the same vectors as the int8 one."""
    import onnxruntime as ort

    path = Path(__import__(encoder.MODEL_PACKAGE).model_path())
    published = _published(path)
    ours = encoder.shared_encoder().embed(TEXTS)
    assert np.all(np.sum(published * ours, axis=1) > 0.98), np.sum(published * ours, axis=1)
    assert not np.array_equal(published, ours), "the published graph ran, not the int8 one"
    forms = {}
    for signed in (True, False):
        graph = encoder.integer_graph(path, signed_weights=signed)
        session = ort.InferenceSession(graph, providers=["CPUExecutionProvider"])
        ids = np.array([encoder.WordPiece().encode(TEXTS[2])], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": 0 * ids}
        forms[signed] = session.run(["last_hidden_state"], feeds)[0]
    assert np.allclose(forms[True], forms[False], atol=1e-5)


def test_vnni_is_read_from_the_cpus_flags(tmp_path: Path) -> None:
    """VNNI (either kind) in the flags line says yes; its absence, another line or no file says no."""
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_vnni sse\n")
    assert encoder.has_vnni(info)
    info.write_text("flags\t\t: fpu avx2 avx_vnni\n")
    assert encoder.has_vnni(info)
    info.write_text("flags\t\t: fpu avx2 avx512f\nbugs\t\t: avx512_vnni_fake\n")
    assert not encoder.has_vnni(info)
    assert not encoder.has_vnni(tmp_path / "missing")


def test_a_graph_without_int8_weights_is_refused(tmp_path: Path) -> None:
    """A model whose products have no int8 weights (here float32 ones) is not run as if it were
    the pinned one: integer_graph says what is missing instead of returning it unchanged."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.eye(2, dtype=np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "plain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
        [weight],
    )
    path = tmp_path / "plain.onnx"
    onnx.save(helper.make_model(graph), str(path))
    with pytest.raises(encoder.EncoderError, match="no int8 weights"):
        encoder.integer_graph(path, signed_weights=True)


def test_row_products_in_int8_are_within_a_hundredth_of_the_float_ones() -> None:
    """Unit rows times a unit vector in 8 bits, both forms (int8 for VNNI, uint8 around 128
    without): each product within 0.01 of the float32 one, a zero row gives 0, and a matrix of
    no rows gives no products."""
    rng = np.random.default_rng(7)
    rows = rng.normal(size=(500, encoder.DIMENSIONS)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    rows[3] = 0.0
    for _ in range(5):
        vector = rng.normal(size=encoder.DIMENSIONS).astype(np.float32)
        vector /= np.linalg.norm(vector)
        exact = rows @ vector
        for signed in (True, False):
            approx = encoder.RowProducts(rows, signed_weights=signed)(vector)
            assert approx.shape == exact.shape
            assert np.max(np.abs(approx - exact)) < 0.01, (signed, np.max(np.abs(approx - exact)))
            assert approx[3] == 0.0
    empty = encoder.RowProducts(np.zeros((0, encoder.DIMENSIONS), dtype=np.float32))
    assert empty(vector).shape == (0,)
