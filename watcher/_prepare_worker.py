"""Preloaded by the forkserver of `watcher.prepare.PreparePool`.

Importing this loads what every worker needs, once, in the forkserver: the source
types with their parsers and the classifier with its compiled lexicons (~0.8 s of
CPU). The workers forked from it share those pages instead of each loading its own.
"""

import selectolax.lexbor  # noqa: F401 - the HTML parser of page and page-list sources

import watcher.sources.fastfeed  # noqa: F401 - the feed parser (feedparser loads only on a fallback)
from watcher.classify.lexicon import get_lexicon
from watcher.prepare import prepare  # noqa: F401 - the function the workers run
from watcher.sources import source_types

source_types()
get_lexicon()
