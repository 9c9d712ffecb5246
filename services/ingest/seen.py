"""Durable seen-state for de-duplication: a small SQLite file, so a restart re-publishes nothing."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class SeenStore:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS seen (article_id TEXT PRIMARY KEY, published_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        self._lock = threading.Lock()

    def contains(self, article_id: str) -> bool:
        with self._lock:
            return (
                self._db.execute("SELECT 1 FROM seen WHERE article_id = ?", (article_id,)).fetchone()
                is not None
            )

    def add(self, article_id: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO seen (article_id) VALUES (?)", (article_id,))

    def close(self) -> None:
        self._db.close()
