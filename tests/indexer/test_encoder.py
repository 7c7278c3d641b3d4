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


def test_a_texts_vector_does_not_depend_on_the_texts_run_with_it() -> None:
    """A text's vector is the same bytes embedded alone or batched with texts of other lengths (so
    a vector kept by its text's key, or embedded by any worker, is the one a build would make)."""
    texts = [
        "Refund",
        "How do I reset my password?",
        "Returns and refunds > Start a return\n"
        + "Pack the item in its box and print the label. " * 12,
        "Track your order > Where is my package\nThe tracking link in your email shows each step.",
        "word " * 400,
    ]
    model = encoder.shared_encoder()
    alone = np.stack([model.embed([t], batch=1)[0] for t in texts])
    for batch in (2, len(texts)):
        assert model.embed(texts, batch=batch).tobytes() == alone.tobytes(), batch
