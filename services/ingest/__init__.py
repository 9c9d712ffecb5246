"""Ingest: HTTP push, files (and feeds) -> normalised, de-duplicated Articles on articles.raw."""
