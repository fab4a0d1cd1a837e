"""Opening the store: URL resolution, SQLite tuning, schema migrations.

The schema is owned by Alembic (watcher/store/migrations). To keep CLI start-up
fast, opening a store reads `alembic_version` with one query and imports Alembic
only when the schema actually needs upgrading.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from watcher.errors import StoreError
from watcher.store import DEFAULT_DB, KNOWN_REVISIONS, SCHEMA_REVISION, database_url

__all__ = ["DEFAULT_DB", "KNOWN_REVISIONS", "SCHEMA_REVISION", "Store", "database_url", "open_store", "upgrade"]

_MIGRATING = threading.Lock()
_MIGRATION_LOCK = 0x77617463  # "watc": the advisory lock held while a PostgreSQL store is migrated


class Store:
    """An open store: an engine plus a session factory. Use `session()` for a unit of work."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success, rolled back on error."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (creating if needed) and migrate the store at `url` (see `database_url`).

    Raises `StoreError` with a readable message for an unreachable database, an
    unwritable file, or a store written by a newer watcher.
    """
    url = database_url(url)
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            current = _current_revision(conn)
        if current != SCHEMA_REVISION:
            if current is not None and current not in KNOWN_REVISIONS:
                raise StoreError(
                    f"the store {display_url(url)} has schema version {current}, newer than this watcher knows "
                    f"({SCHEMA_REVISION}); upgrade watcher to use it"
                )
            if not migrate:
                raise StoreError(f"the store {display_url(url)} needs a schema upgrade; run `watcher db upgrade`")
            upgrade(engine)
    except StoreError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"cannot open the store {display_url(url)}: {_short(exc)}") from None
    return Store(engine)


def upgrade(engine: Engine) -> None:
    """Run Alembic migrations up to head on `engine`."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    # Alembic's `op` and `context` are module globals: one migration at a time per process.
    with _MIGRATING, engine.begin() as conn:
        # Processes opening a new store together (instances starting at once) migrate it
        # one at a time: the first migrates, the others wait here, then find it at head.
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        elif conn.dialect.name == "sqlite":
            # pysqlite would begin only at the first INSERT, after Alembic has read the
            # version and begun its CREATE TABLEs: take the write lock first.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if path and path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the directory of the store {path}: {exc}") from None
            _create_private(path)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "handle_error", _explain_write_failure)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except ImportError as exc:
        raise StoreError(f"cannot use the store URL {display_url(url)}: its database driver is not installed "
                         f"({exc}); for PostgreSQL: pip install 'watcher[postgres]'") from None
    except (SQLAlchemyError, ValueError) as exc:
        raise StoreError(f"cannot use the store URL {display_url(url)}: {_short(exc)}") from None


def _create_private(path: str) -> None:
    """Create the store file readable by its owner only (0600, whatever the umask): it
    holds everything fetched and the outbox. SQLite gives its -wal and -shm files the
    database file's mode. An existing file is left as it is."""
    import os

    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreError(f"cannot create the store {path}: {exc}") from None


def _sqlite_path(url: str) -> str:
    """The file a SQLite URL names, for creating its directory ("" when there is none to
    create): `sqlite:///file:PATH?mode=ro&uri=true` names PATH, and a read-only or
    in-memory store creates nothing."""
    from urllib.parse import urlsplit

    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - create_engine reports a bad URL itself
        return ""
    path = parsed.database or ""
    if parsed.query.get("uri") == "true":
        if parsed.query.get("mode") in ("ro", "memory") or "mode=memory" in path:
            return ""
        if path.startswith("file:"):
            path = urlsplit(path).path
    return path


# SQLite's names for a write the file system refused: no space (ENOSPC), a file-size
# limit (EFBIG, which SQLite reports as a bare "disk I/O error"), or a failing disk.
_WRITE_FAILURES = ("SQLITE_FULL", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_TRUNCATE",
                   "SQLITE_IOERR_SHMSIZE")


def _explain_write_failure(context) -> StoreError | None:  # noqa: ANN001
    """A write the file system refused becomes a StoreError saying so (exit 3, one line)."""
    name = getattr(context.original_exception, "sqlite_errorname", "")
    if name not in _WRITE_FAILURES:
        return None
    url = context.engine.url if context.engine is not None else None
    where = f" {url.database}" if url is not None and url.database else ""
    return StoreError(f"the store{where} could not be written: {context.original_exception} ({name}): "
                      "the disk is full, a file-size limit was reached, or the disk is failing; "
                      "free space, then run the command again (committed work is kept)")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    # WAL lets `watcher changes` read while a poll writes; the busy timeout makes
    # a writer wait for another rather than fail; NORMAL sync is safe under WAL.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 30000")
    with contextlib.suppress(Exception):  # a read-only file cannot switch modes; reads still work
        cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _current_revision(conn) -> str | None:  # noqa: ANN001
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError:
        conn.rollback()
        return None
    except SQLAlchemyError:
        conn.rollback()
        return None


def display_url(url: str) -> str:
    """A URL safe to print: the password is masked."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return url.split("@")[-1]


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).splitlines()[0][:300]
