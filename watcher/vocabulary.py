"""The names of VOCABULARY.md that code outside the classifier checks against.
Kept import-light: the CLI validates `--tag` with it before anything heavy loads."""

from __future__ import annotations

TAGS = (
    "new-law",
    "new-decree",
    "draft",
    "consultation",
    "guidance",
    "amendment",
    "enforcement-date",
    "delay",
    "enforcement-action",
)
