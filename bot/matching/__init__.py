"""The parts of matching, each on its own: text analysis, spelling, the index, scoring, meaning
(word vectors), decision.

`bot.matcher.Matcher` puts them together; each part can be built and tested alone.
"""

import os

# The matcher's arrays are small: one BLAS thread answers as fast as many, and numpy's default
# pool of one thread per core costs start-up time and competes with the request threads. An
# operator's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
