"""watcher: watches official sources for AI-regulation changes.

The package is laid out as the pipeline it runs:
config -> schedule -> fetch -> parse (sources/) -> diff -> classify -> store -> notify.
"""

__version__ = "0.1.0"


def _skip_httpx_cli() -> None:
    """httpx's `__init__` imports its command-line client, and with it rich's console
    and pygments (~30 ms, a tenth of a poll of 2,000 unchanged sources). watcher never
    runs that client: give httpx a stand-in `httpx._main` before anything imports it."""
    import sys
    import types

    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    stub = types.ModuleType("httpx._main")

    def main() -> None:  # what httpx itself offers when its CLI extras are missing
        sys.exit("The httpx command-line client is not available inside watcher.")

    stub.main = main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = stub


_skip_httpx_cli()
