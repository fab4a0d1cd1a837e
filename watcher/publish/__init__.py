"""Publishing the watcher's findings where compliance teams already look.

- `calendar.py`: effective dates and deadlines as deduplicated events, and as an
  RFC 5545 iCalendar file (`build_events`, `to_ics`).
- `atom.py`: relevant changes as an Atom feed (`to_atom`).
- `report.py`: a self-contained static HTML report (`render_report`).
- `files.py`: atomic writes and the service's after-poll regeneration (`publish_all`).

Every entry point reads the store through `watcher.store.queries.find_changes`,
so the commands take the same filters as `watcher changes`.
"""
