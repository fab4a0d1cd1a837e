"""watcher: watches official sources for AI-regulation changes.

The package is laid out as the pipeline it runs:
config -> schedule -> fetch -> parse (sources/) -> diff -> classify -> store -> notify.
"""

__version__ = "0.1.0"
