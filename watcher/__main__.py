"""`python -m watcher` runs the CLI."""

from watcher.cli import main

if __name__ == "__main__":  # not when a worker process imports the main module
    main(prog_name="watcher")
