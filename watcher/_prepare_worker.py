"""Imported by each worker of `watcher.prepare.PreparePool` as it starts.

Loads what preparing a body needs before the first one arrives: the source types
with their parsers and the classifier with its compiled lexicons (~0.5 s of CPU
with the interpreter).
"""

import selectolax.lexbor  # noqa: F401 - the HTML parser of page and page-list sources

import watcher.sources.fastfeed  # noqa: F401 - the feed parser (feedparser loads only on a fallback)
from watcher.classify.lexicon import get_lexicon
from watcher.prepare import prepare  # noqa: F401 - the function the workers run
from watcher.sources import source_types

source_types()
get_lexicon()
