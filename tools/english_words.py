"""Make `bot/matching/english_words.txt.gz`: English words, which the speller corrects only to a
form of themselves (a real word is not a typo of another).

The words of pyspellchecker's English word-frequency list (pyspellchecker is MIT-licensed; its
list was built from the OpenSubtitles corpus, P. Lison and J. Tiedemann, LREC 2016, and cleaned
of misspellings and low-count terms), one per line, lower case a-z only (the matcher's
normalised words). Not needed to run or test the bot: only to remake the file. Needs
pyspellchecker, which is not a project dependency:

    pip install pyspellchecker && python tools/english_words.py
"""

from __future__ import annotations

import gzip
import json
import re
from importlib import resources
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "bot" / "matching" / "english_words.txt.gz"
_WORD = re.compile(r"[a-z]+")


def main() -> None:
    """Read pyspellchecker's English list and write the words file."""
    with resources.files("spellchecker.resources").joinpath("en.json.gz").open("rb") as file:
        counts = json.loads(gzip.decompress(file.read()))
    words = sorted(word for word in counts if _WORD.fullmatch(word))
    # mtime=0: the same list makes the same bytes, so a remake shows no change in git.
    with gzip.GzipFile(OUTPUT, "wb", mtime=0) as file:
        file.write("\n".join(words).encode("ascii"))
    print(f"{OUTPUT}: {len(words)} words")


if __name__ == "__main__":
    main()
