"""Durable seen-state for de-duplication: a small SQLite file, so a restart re-publishes nothing.

Holds the ids of published articles (exact duplicates) and their SimHash bands (near duplicates).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from services.ingest.neardup import MAX_DISTANCE, bands, distance, from_signed, to_signed


class SeenStore:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(
            "CREATE TABLE IF NOT EXISTS seen (article_id TEXT PRIMARY KEY, simhash INTEGER,"
            " published_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);"
            "CREATE TABLE IF NOT EXISTS bands (band INTEGER NOT NULL, article_id TEXT NOT NULL);"
            "CREATE INDEX IF NOT EXISTS ix_bands_band ON bands(band);"
        )
        self._lock = threading.Lock()

    def contains(self, article_id: str) -> bool:
        with self._lock:
            return (
                self._db.execute("SELECT 1 FROM seen WHERE article_id = ?", (article_id,)).fetchone()
                is not None
            )

    def near_duplicate(self, h: int) -> str | None:
        """The earliest seen article whose text is within MAX_DISTANCE bits of ``h``."""
        marks = ",".join("?" * len(bands(h)))
        with self._lock:
            rows = self._db.execute(
                f"SELECT s.article_id, s.simhash FROM bands b JOIN seen s ON s.article_id = b.article_id "
                f"WHERE b.band IN ({marks}) ORDER BY s.rowid",
                bands(h),
            ).fetchall()
        for article_id, other in rows:
            if other is not None and distance(h, from_signed(other)) <= MAX_DISTANCE:
                return str(article_id)
        return None

    def add(self, article_id: str, h: int | None = None) -> None:
        # One transaction: in autocommit every statement (each band row too) was its own commit and
        # its own sync of the log, five per article; and an article is never seen without its bands.
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO seen (article_id, simhash) VALUES (?, ?)",
                    (article_id, to_signed(h) if h is not None else None),
                )
                if cur.rowcount and h is not None:
                    self._db.executemany(
                        "INSERT INTO bands VALUES (?, ?)", [(b, article_id) for b in bands(h)]
                    )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()
