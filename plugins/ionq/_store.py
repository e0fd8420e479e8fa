"""The local artifact store: every downloaded result artifact, kept durably before it is parsed.

One SQLite database (WAL mode, ``synchronous=FULL``) in the user's cache directory
(``platformdirs``), or where ``QFMT_CACHE_DIR`` (or the ``path`` argument) says. Artifacts are keyed
by job id and artifact key (the artifact id, or ``url:<url>`` for URL entries) and stored with their
SHA-256. A download that has not finished leaves nothing behind; a refreshed download is written as
a new generation and the older one is removed only once the new one is complete. SQLite's locking
makes concurrent writers safe, and :meth:`ArtifactStore.lease` makes concurrent *downloads* of one
artifact wait for the first (an OS file lock, released by the OS even if the holder is killed).

On POSIX the store's directory is created ``0700`` and its files (database, WAL, shared memory,
lease files) are ``0600``: results and job ids are the user's own.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import stat
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from qfmt import MissingDependencyError

from .errors import JobTimeoutError

__all__ = ["ArtifactStore", "StoredArtifact", "default_cache_dir"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS artifacts (
    job_id      TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    generation  INTEGER NOT NULL,
    format      TEXT,
    media_type  TEXT,
    sha256      TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    fetched_at  REAL    NOT NULL,
    body        BLOB    NOT NULL,
    PRIMARY KEY (job_id, key, generation)
)
"""


_POSIX = os.name == "posix"
DIR_MODE = 0o700
FILE_MODE = 0o600


def _platformdirs() -> Any:
    try:
        import platformdirs
    except ImportError as exc:
        raise MissingDependencyError(
            "the artifact store needs platformdirs: install qfmt[client] "
            "(pip install 'qfmt[client]')") from exc
    return platformdirs


def _filelock() -> Any:
    try:
        import filelock
    except ImportError as exc:
        raise MissingDependencyError(
            "the artifact store needs filelock: install qfmt[client] "
            "(pip install 'qfmt[client]')") from exc
    return filelock


def default_cache_dir() -> Path:
    """``$QFMT_CACHE_DIR``, else the platform's user cache directory for ``qfmt``
    (``platformdirs.user_cache_path("qfmt", appauthor=False)``: ``~/.cache/qfmt`` on Linux,
    ``~/Library/Caches/qfmt`` on macOS, ``%LOCALAPPDATA%\\qfmt\\Cache`` on Windows)."""
    env = os.environ.get("QFMT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path(_platformdirs().user_cache_path("qfmt", appauthor=False))


def _private_dir(path: Path, *, tighten: bool) -> None:
    """Create ``path`` (0700 on POSIX). An existing directory is tightened to 0700 only when
    ``tighten`` (it is qfmt's own) and this user owns it."""
    created = not path.exists()
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if not _POSIX:
        return
    st = path.stat()
    if (created or tighten) and st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) != DIR_MODE:
        os.chmod(path, DIR_MODE)


def _private_file(path: Path) -> None:
    """Create ``path`` if missing, as 0600 on POSIX (and tighten a file of ours that is not)."""
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE)
        os.close(fd)
    if _POSIX:
        st = path.stat()
        if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) != FILE_MODE:
            os.chmod(path, FILE_MODE)


@attrs.frozen
class StoredArtifact:
    """One stored artifact (``body`` is the exact downloaded bytes)."""

    job_id: str
    key: str
    format: str | None
    media_type: str | None
    sha256: str
    size: int
    fetched_at: float
    generation: int
    body: bytes = attrs.field(repr=False)


def _artifact(row: tuple[Any, ...]) -> StoredArtifact:
    job_id, key, fmt, media, digest, size, fetched, gen, body = row
    return StoredArtifact(str(job_id), str(key), fmt, media, str(digest), int(size),
                          float(fetched), int(gen), bytes(body))


class ArtifactStore:
    """Durable storage of downloaded artifacts (see the module docstring).

    >>> store = ArtifactStore("/tmp/qfmt-doc-store")             # doctest: +SKIP
    >>> store.put("job-1", "ionq.result.histogram.json.v1", b'{"0": 1}')  # doctest: +SKIP
    """

    FILENAME = "artifacts.sqlite3"

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        default = path is None and not os.environ.get("QFMT_CACHE_DIR")
        root = Path(path) if path is not None else default_cache_dir()
        self.path = root / self.FILENAME if root.suffix != ".sqlite3" else root
        # the store's own directory: 0700 when created here (or when it is qfmt's default one)
        _private_dir(self.path.parent, tighten=default)
        _private_file(self.path)  # SQLite gives the -wal and -shm files the database's mode
        self._local = threading.local()
        with self._connect() as db:
            db.execute(_SCHEMA)
        for suffix in ("-wal", "-shm"):
            extra = self.path.with_name(self.path.name + suffix)
            if extra.exists():
                _private_file(extra)

    def __repr__(self) -> str:
        return f"ArtifactStore({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=60000")
            self._local.db = db
        return db

    def put(self, job_id: str, key: str, body: bytes, *, format: str | None = None,
            media_type: str | None = None) -> StoredArtifact:
        """Store a complete download as the newest generation, then drop older ones. Returns
        what was stored. The write is committed (and synced) before this returns."""
        digest = hashlib.sha256(body).hexdigest()
        now = time.time()
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT COALESCE(MAX(generation), 0) FROM artifacts "
                             "WHERE job_id = ? AND key = ?", (job_id, key)).fetchone()
            gen = int(row[0]) + 1
            db.execute("INSERT INTO artifacts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (job_id, key, gen, format, media_type, digest, len(body), now, body))
            db.execute("DELETE FROM artifacts WHERE job_id = ? AND key = ? AND generation < ?",
                       (job_id, key, gen))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return StoredArtifact(job_id, key, format, media_type, digest, len(body), now, gen, body)

    def get(self, job_id: str, key: str) -> StoredArtifact | None:
        """The newest intact copy, or None. A copy whose hash no longer matches is skipped with
        a warning (and an older intact generation, if any, is returned)."""
        rows = self._connect().execute(
            "SELECT job_id, key, format, media_type, sha256, size, fetched_at, generation, body "
            "FROM artifacts WHERE job_id = ? AND key = ? ORDER BY generation DESC",
            (job_id, key)).fetchall()
        for row in rows:
            art = _artifact(row)
            if hashlib.sha256(art.body).hexdigest() == art.sha256:
                return art
            warnings.warn(f"stored artifact {job_id}/{key} generation {art.generation} is "
                          "corrupt (hash mismatch); ignoring it", RuntimeWarning, stacklevel=2)
        return None

    def list(self, job_id: str | None = None) -> Iterator[StoredArtifact]:
        """Every stored artifact (bodies included), newest first."""
        query = ("SELECT job_id, key, format, media_type, sha256, size, fetched_at, generation, "
                 "body FROM artifacts")
        args: tuple[str, ...] = ()
        if job_id is not None:
            query += " WHERE job_id = ?"
            args = (job_id,)
        for row in self._connect().execute(query + " ORDER BY fetched_at DESC", args):
            yield _artifact(row)

    @contextlib.contextmanager
    def lease(self, job_id: str, key: str, timeout: float | None = None) -> Iterator[None]:
        """Hold the download lease of one artifact for the duration of the ``with`` block.

        Processes (and threads) that want the same artifact wait here until the holder is done,
        then find its stored copy with :meth:`get` instead of asking the server again: a result
        the server serves once is downloaded once. The lease is an OS file lock in the store's
        ``leases/`` folder, so a holder that is killed releases it at once. After ``timeout``
        seconds (None: no limit) of waiting, :class:`qfmt.JobTimeoutError` is raised.
        """
        folder = self.path.parent / "leases"
        _private_dir(folder, tighten=True)
        name = hashlib.sha256(f"{self.path.name}\0{job_id}\0{key}".encode()).hexdigest()[:40]
        lock_path = folder / f"{name}.lock"
        _private_file(lock_path)
        filelock = _filelock()
        lock = filelock.FileLock(str(lock_path), timeout=-1 if timeout is None else
                                 max(0.0, timeout), mode=FILE_MODE, thread_local=False)
        try:
            lock.acquire(poll_interval=0.02)
        except filelock.Timeout:
            raise JobTimeoutError(f"artifact {key} of job {job_id}: another download of it was "
                                  f"still running after {timeout} s") from None
        try:
            yield
        finally:
            lock.release()

    def clear(self, job_id: str | None = None) -> int:
        """Delete every artifact (or one job's); returns how many rows went."""
        db = self._connect()
        if job_id is None:
            cur = db.execute("DELETE FROM artifacts")
        else:
            cur = db.execute("DELETE FROM artifacts WHERE job_id = ?", (job_id,))
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return cur.rowcount

    def check(self) -> bool:
        """SQLite's integrity check, and every stored hash: True when all is intact."""
        db = self._connect()
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            return False
        for body, digest in db.execute("SELECT body, sha256 FROM artifacts"):
            if hashlib.sha256(bytes(body)).hexdigest() != digest:
                return False
        return True
