"""Meaning: what a question is about beyond its exact words ("keeps an eye on" is "monitors").

Word overlap finds the duty a question names; it cannot tell that "who chases the customer for
the sign-off" and "who gets approvals from stakeholders" ask the same. Static word vectors can:
one vector per word piece, distilled from the sentence model all-MiniLM-L6-v2 (Apache 2.0) with
model2vec (see `tools/word_vectors.py`, which made `word_vectors.npz`). A text's vector is the
mean of its word pieces' vectors, so embedding a question costs microseconds and no model runs.

Parts, each usable alone: `WordPieces` splits text the way the model's tokenizer does (BERT,
uncased), `WordVectors` turns text into a unit vector, and `MeaningIndex` holds the vectors of
a set of example questions and scores a question against each document's best example.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

import numpy as np

VECTORS_FILE = "word_vectors.npz"
CONTINUATION = "##"
# Plain ASCII text (most questions) is split with one regex: runs of letters and digits, and
# every other printable character alone, as BERT splits punctuation; control characters go.
_ASCII_WORD = re.compile(r"[a-z0-9]+|[!-/:-@\[-`{-~]")
_ASCII_CONTROLS = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 127])
# BERT reads no word longer than this: it becomes an unknown piece (dropped here).
MAX_WORD_CHARS = 100


def _is_punctuation(char: str) -> bool:
    """BERT's punctuation: every non-alphanumeric ASCII symbol, and Unicode's P* categories."""
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


class WordPieces:
    """Splits text into the model's word pieces, as its (BERT, uncased) tokenizer does.

    Lowercase and fold accents, split at white space and around punctuation and CJK characters,
    then split each word greedily into the longest pieces the vocabulary has ("onboarding" ->
    "on", "##board", "##ing"). A word that cannot be split is unknown and left out.
    """

    def __init__(self, pieces: Sequence[str]) -> None:
        self.ids = dict(zip(pieces, range(len(pieces)), strict=True))
        self.word_ids = lru_cache(maxsize=65536)(self._word_ids)

    def whole_words(self) -> frozenset[str]:
        """The vocabulary's pieces that are whole words of letters: real words of the language
        (a continuation piece, "##ing", is not all letters)."""
        return frozenset(filter(str.isalpha, self.ids))

    def words(self, text: str) -> list[str]:
        """The text's words and punctuation marks, lowercased, accents folded."""
        if text.isascii():
            return _ASCII_WORD.findall(text.lower().translate(_ASCII_CONTROLS))
        cleaned = []
        for char in unicodedata.normalize("NFD", text.lower()):
            code = ord(char)
            category = unicodedata.category(char)
            if code in (0, 0xFFFD) or category == "Mn":
                continue
            if char in " \t\n\r" or category == "Zs":
                cleaned.append(" ")
            elif category.startswith("C"):
                continue
            elif _is_punctuation(char) or _is_cjk(code):
                cleaned.append(f" {char} ")
            else:
                cleaned.append(char)
        return "".join(cleaned).split()

    def _word_ids(self, word: str) -> tuple[int, ...]:
        """The ids of one word's pieces, longest first from the left; () when it has none."""
        if len(word) > MAX_WORD_CHARS:
            return ()
        ids = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else CONTINUATION + word[start:end]
                if piece in self.ids:
                    ids.append(self.ids[piece])
                    break
                end -= 1
            else:
                return ()
            start = end
        return tuple(ids)

    def encode(self, text: str) -> list[int]:
        """The ids of every known word piece of `text`, in order."""
        return [piece for word in self.words(text) for piece in self.word_ids(word)]


class WordVectors:
    """Text to unit vectors: the mean of its word pieces' vectors, scaled to length 1."""

    def __init__(self, pieces: Sequence[str], vectors: np.ndarray) -> None:
        if len(pieces) != len(vectors):
            raise ValueError("one vector per word piece is needed")
        self.pieces = WordPieces(pieces)
        # The model's whole words: real words, which the speller leaves alone.
        self.dictionary = self.pieces.whole_words()
        self.vectors = vectors  # float16 as stored; sums are taken in float32
        self.dimensions = int(vectors.shape[1])

    @classmethod
    def bundled(cls) -> WordVectors:
        """The vectors shipped with the package."""
        with resources.files(__package__).joinpath(VECTORS_FILE).open("rb") as file:
            data = np.load(file)
            return cls(data["pieces"].tobytes().decode("utf-8").split("\n"), data["vectors"])

    def embed(self, text: str) -> np.ndarray:
        """The text's unit vector; all zeros when no word of it is known."""
        ids = self.pieces.encode(text)
        if not ids:
            return np.zeros(self.dimensions, dtype=np.float32)
        # The mean's direction is the sum's: scaling to length 1 is all that is left.
        vector = self.vectors.take(ids, axis=0).sum(axis=0, dtype=np.float32)
        return vector / max(float(np.linalg.norm(vector)), np.finfo(np.float32).tiny)

    def embed_all(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text, as the rows of a matrix (all zeros for a text of which no
        word is known)."""
        ids = [self.pieces.encode(text) for text in texts]
        counts = np.array([len(text_ids) for text_ids in ids], dtype=np.int64)
        matrix = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        known = counts > 0
        if known.any():
            rows = self.vectors[[piece for text_ids in ids for piece in text_ids]]
            starts = np.cumsum(counts[known]) - counts[known]
            matrix[known] = np.add.reduceat(rows.astype(np.float32), starts, axis=0)
            norms = np.linalg.norm(matrix[known], axis=1, keepdims=True)
            matrix[known] /= np.maximum(norms, np.finfo(np.float32).tiny)
        return matrix


class MeaningIndex:
    """The example questions of some documents as vectors; scores a question against each
    document by its closest example (cosine similarity, -1..1)."""

    def __init__(
        self, vectors: WordVectors, documents: Sequence[tuple[int, Sequence[str]]]
    ) -> None:
        """`documents` are (document position, example questions) pairs."""
        self.vectors = vectors
        documents = [(position, questions) for position, questions in documents if questions]
        examples = [
            (position, question) for position, questions in documents for question in questions
        ]
        self.positions = np.array([position for position, _ in documents], dtype=np.int64)
        # Examples are stored document by document; each document's first row, for reduceat.
        counts = [len(questions) for _, questions in documents]
        self._starts = np.cumsum([0, *counts[:-1]], dtype=np.int64)
        self._matrix = vectors.embed_all([question for _, question in examples])

    def similarities(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        """Each document's position and its best cosine similarity to the question."""
        if not len(self.positions):
            return self.positions, np.zeros(0, dtype=np.float32)
        closeness = self._matrix @ self.vectors.embed(question)
        return self.positions, np.maximum.reduceat(closeness, self._starts)
