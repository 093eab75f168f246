"""The parts of matching, each on its own: text analysis, spelling, the index, scoring, meaning
(word vectors), decision.

`bot.matcher.Matcher` puts them together; each part can be built and tested alone.
"""
