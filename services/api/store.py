"""The API's store (SQLAlchemy 2, async; SQLite by default, PostgreSQL in production).

- Writes are idempotent upserts by id and version: a version not newer than the stored one changes
  nothing, so a re-delivered batch writes nothing.
- Every write is numbered from the database's ``change`` counter (so API replicas on one database never
  collide): ``order_seq`` is fixed when an event is first stored and orders pages (stable while events
  are updated), ``change_seq`` grows on every write and is the live feed's message id. Writers commit in
  the order of their numbers (``_Sequence``), so a feed that resumes after N misses nothing.
- The schema comes from Alembic migrations (``services/api/migrations``), run by ``start()``.
- Every string written or looked up goes through ``shared.sanitize`` first: a NUL or a lone surrogate
  arriving straight from Kafka (or in a query) made PostgreSQL refuse the batch, which stopped the API.
- Statements are published naming the strike reports of their own article (``related_event_ids``); a
  report merged into an event first reported elsewhere is listed in that strike's ``merged_ids``, which
  the store keeps as aliases. Every read serves statements with those ids resolved to the merged events,
  so the answer is the same whichever of the statement and the strike arrived first, and however often.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    event,
    exists,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from services.api.feed import Change, change
from services.api.tables import (
    AlertRow,
    CounterRow,
    DeliveryRow,
    EventAliasRow,
    EventPointRow,
    EventRow,
    EventTermRow,
    EventVersionRow,
    WebhookRow,
)
from shared.sanitize import safe_model, safe_text
from shared.schemas import Alert, Severity, StatementEvent, StrikeEvent, WebhookDelivery, WebhookSubscription
from shared.schemas.events import theater_of

MIGRATIONS = str(Path(__file__).resolve().parent / "migrations")
_WORD = re.compile(r"[\w'-]+", re.UNICODE)
MAX_QUERY_WORDS = 8


class BadCursor(ValueError):
    """A cursor this API did not issue."""


CURSOR_PATTERN = r"^v1\.[0-9]{1,18}$"


def encode_cursor(seq: int) -> str:
    """A page position: the version of the cursor format and the last row's order number."""
    return f"v1.{seq}"


def decode_cursor(cursor: str) -> int:
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise BadCursor("not a cursor issued by this API (expected v1.<number>)")
    return int(cursor[3:])


@dataclass(frozen=True)
class BBox:
    """minLon, minLat, maxLon, maxLat (GeoJSON order); min_lon > max_lon crosses the antimeridian."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def parse(cls, raw: str) -> BBox:
        parts = raw.split(",")
        if len(parts) != 4:
            raise ValueError("bbox is minLon,minLat,maxLon,maxLat")
        try:
            min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
        except ValueError as exc:
            raise ValueError("bbox values must be numbers") from exc
        if not all(-180 <= v <= 180 for v in (min_lon, max_lon)):
            raise ValueError("bbox longitudes must be within -180..180")
        if not all(-90 <= v <= 90 for v in (min_lat, max_lat)):
            raise ValueError("bbox latitudes must be within -90..90")
        if min_lat > max_lat:
            raise ValueError("bbox minLat is above maxLat")
        return cls(min_lon, min_lat, max_lon, max_lat)


@dataclass(frozen=True)
class EventFilters:
    type: str | None = None
    strike_type: str | None = None
    actor: str | None = None
    target: str | None = None
    country: str | None = None
    place: str | None = None
    bbox: BBox | None = None
    since: date | None = None
    until: date | None = None
    updated_since: datetime | None = None
    min_confidence: float | None = None
    q: str | None = None


@dataclass(frozen=True)
class AlertFilters:
    kind: str | None = None
    severity: str | None = None
    min_severity: str | None = None
    theater: str | None = None
    since: datetime | None = None
    updated_since: datetime | None = None


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def _key(name: str | None) -> str | None:
    name = safe_text(name) if name else name
    return name.strip().lower()[:200] if name and name.strip() else None


def _terms(ev: StrikeEvent | StatementEvent) -> set[tuple[str, str]]:
    """(role, lower-cased name) pairs behind the actor, target and place filters."""
    out: set[tuple[str, str | None]] = set()
    if isinstance(ev, StrikeEvent):
        out.add(("actor", _key(ev.actor.name) if ev.actor else None))
        out.update(("target", _key(t.name)) for t in ev.targets)
        places = ev.locations
    else:
        out.add(("actor", _key(ev.speaker.name)))
        out.update(("target", _key(a.name)) for a in ev.about.actors)
        places = ev.about.places
    for p in places:
        out.update(("place", _key(n)) for n in (p.name, p.matched_text, p.admin1))
    return {(role, term) for role, term in out if term}


def _search_text(ev: StrikeEvent | StatementEvent) -> str:
    """What ``q`` searches: names, places, weapon, the statement and the evidence sentences."""
    parts: list[str | None] = [e.sentence for e in ev.evidence]
    parts += [s.source for s in ev.sources]
    if isinstance(ev, StrikeEvent):
        parts += [ev.strike_type.value.replace("_", " "), ev.weapon, ev.actor.name if ev.actor else None]
        parts += [t.name for t in ev.targets]
        parts += [p.name for p in ev.locations] + [p.admin1 for p in ev.locations]
        parts += [ev.launch_location.name if ev.launch_location else None]
    else:
        parts += [ev.speaker.name, ev.speaker.affiliation, ev.content]
        parts += [a.name for a in ev.about.actors] + [p.name for p in ev.about.places]
    return " ".join(p for p in parts if p).lower()


def _iso2(code: str | None) -> str | None:
    """Country columns hold two letters; a longer code from Kafka must not fail the batch on PostgreSQL."""
    return code if code and len(code) == 2 else None


def _points(ev: StrikeEvent | StatementEvent) -> list[tuple[float, float, int | None]]:
    places = ev.locations if isinstance(ev, StrikeEvent) else ev.about.places
    return [(p.lat, p.lon, p.geo_precision) for p in places if p.lat is not None and p.lon is not None]


def _latest(messages: Iterable[Any], id_attr: str) -> dict[str, Any]:
    """The highest version of each id within one batch."""
    latest: dict[str, Any] = {}
    for m in messages:
        key = getattr(m, id_attr)
        if key not in latest or m.version > latest[key].version:
            latest[key] = m
    return latest


ID_MAX = 64  # the length of the id columns
_IN_CHUNK = 1000  # ids per IN (...): far below SQLite's and asyncpg's limits on bound parameters


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(values), _IN_CHUNK):
        yield values[i : i + _IN_CHUNK]


def _aliases_of(events: Iterable[StrikeEvent | StatementEvent]) -> dict[str, str]:
    """Report id -> event id, from the strikes' ``merged_ids`` (an id too long to be stored is no event id)."""
    return {
        alias: ev.event_id
        for ev in events
        if isinstance(ev, StrikeEvent)
        for alias in ev.merged_ids
        if alias != ev.event_id and len(alias) <= ID_MAX
    }


def resolve_related(doc: dict[str, Any], aliases: dict[str, str]) -> dict[str, Any]:
    """A statement document with its ``related_event_ids`` resolved through ``aliases`` (report id ->
    the event it merged into), in order and without repeats; any other document as it is."""
    ids = doc.get("related_event_ids")
    if doc.get("event_type") != "statement" or not ids:
        return doc
    resolved = list(dict.fromkeys(aliases.get(i, i) for i in ids))
    return doc if resolved == ids else {**doc, "related_event_ids": resolved}


async def _payload(s: AsyncSession, event_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (
        await s.execute(select(EventRow.payload).where(EventRow.event_id == event_id))
    ).scalar()
    return found


def _migrate(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Replicas start together: one migrates, the others wait for it and then find nothing to do.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


_MIGRATION_LOCK = 0x77617277  # "warw": the advisory lock id migrations run under on PostgreSQL


class _Sequence:
    """Sequence numbers for one write transaction, from the database's ``change`` counter.

    ``claim`` locks the counter row first thing in the transaction (an UPDATE, so PostgreSQL holds a row
    lock and SQLite its write lock until commit). Writers of several API replicas therefore commit in
    the order of their numbers: a reader that has seen number N never sees a smaller one appear later,
    which is what lets the live feed resume after N and miss nothing."""

    def __init__(self, value: int) -> None:
        self.value = value
        self.start = value

    @classmethod
    async def claim(cls, conn: AsyncConnection) -> _Sequence:
        counters = _table(CounterRow)
        row = await conn.execute(
            update(counters)
            .where(counters.c.name == "change")
            .values(value=counters.c.value)
            .returning(counters.c.value)
        )
        return cls(int(row.scalar_one()))

    def next(self) -> int:
        self.value += 1
        return self.value

    async def save(self, conn: AsyncConnection) -> None:
        if self.value != self.start:
            counters = _table(CounterRow)
            await conn.execute(update(counters).where(counters.c.name == "change").values(value=self.value))


# The materialiser writes through Core tables, not ORM entities: the ORM's bulk insert and update paths
# (and the session synchronisation of a bulk delete) cost more than the database's own work on the
# materialiser's small batches.
def _table(row: type[Any]) -> Table:
    table: Table = row.__table__
    return table


async def _insert(conn: AsyncConnection, row: type[Any], rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(insert(_table(row)), rows)


async def _update_by_key(conn: AsyncConnection, row: type[Any], rows: list[dict[str, Any]]) -> None:
    """One executemany UPDATE, each row by its primary key (every row sets the same columns)."""
    if not rows:
        return
    table = _table(row)
    keys = [c.name for c in table.primary_key.columns]
    stmt = update(table).where(*(table.c[k] == bindparam(f"key_{k}") for k in keys))
    await conn.execute(
        stmt,
        [{**{c: v for c, v in r.items() if c not in keys}, **{f"key_{k}": r[k] for k in keys}} for r in rows],
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL: readers (queries, the live feed) no longer block the materialiser's write, and a commit is an
    append to the log instead of a rollback journal's create, write and delete. ``synchronous`` stays
    FULL: offsets are committed after the write, so a committed write must survive a power cut."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


class Store:
    """Writers (the materialisers of one or more API replicas) and many readers (request handlers)."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        if url.startswith("sqlite") and ":///" in url:
            Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        self.dialect = url.split("+", 1)[0].split(":", 1)[0]
        kwargs: dict[str, Any] = {}
        if self.dialect == "postgresql":
            # asyncpg prepares every statement; after five runs PostgreSQL may switch to a generic plan
            # that ignores the values, which is slow for skewed filters (a common actor vs a rare one).
            kwargs = {
                "pool_size": pool_size,
                "max_overflow": pool_size,
                "connect_args": {"server_settings": {"plan_cache_mode": "force_custom_plan"}},
            }
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def start(self) -> None:
        """Apply migrations (the write sequence lives in the database: see ``_Sequence``)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_migrate)

    async def close(self) -> None:
        await self.engine.dispose()

    async def ping(self) -> bool:
        try:
            async with self.sessions() as s:
                await s.execute(select(1))
            return True
        except Exception:
            return False

    async def last_seq(self) -> int:
        """The newest committed sequence number: every change up to it is readable now."""
        async with self.sessions() as s:
            value = await s.scalar(select(CounterRow.value).where(CounterRow.name == "change"))
        return int(value or 0)

    # -- writes ---------------------------------------------------------------------------------------

    async def upsert_events(self, events: list[StrikeEvent | StatementEvent]) -> int:
        """Idempotent: a version not newer than the stored one is ignored. Returns rows written."""
        latest = _latest([safe_model(e) for e in events], "event_id")
        if not latest:
            return 0
        now = datetime.now(UTC)
        written = 0
        async with self.engine.begin() as conn:
            sequence = await _Sequence.claim(conn)  # first: the stored versions below are read under its lock
            stored = {
                r.event_id: (r.version, r.order_seq, r.first_stored_at)
                for r in await conn.execute(
                    select(
                        EventRow.event_id, EventRow.version, EventRow.order_seq, EventRow.first_stored_at
                    ).where(EventRow.event_id.in_(list(latest)))
                )
            }
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            terms: list[dict[str, Any]] = []
            points: list[dict[str, Any]] = []
            versions: list[dict[str, Any]] = []
            for ev in latest.values():
                old = stored.get(ev.event_id)
                if old is not None and old[0] >= ev.version:
                    continue
                seq = sequence.next()
                payload = json.loads(ev.model_dump_json())
                values = dict(
                    event_id=ev.event_id, event_type=ev.event_type, version=ev.version,
                    strike_type=getattr(ev, "strike_type", None),
                    actor=(ev.actor.name if isinstance(ev, StrikeEvent) and ev.actor else
                    (ev.speaker.name if isinstance(ev, StatementEvent) else None) or "")[:200] or None,
                    country=_iso2(theater_of(ev)), occurred_on=ev.occurred_on, confidence=ev.confidence, change_seq=seq,
                    updated_at=now, search_text=_search_text(ev), payload=payload,
                )  # fmt: skip
                if old is None:
                    inserts.append({**values, "order_seq": seq, "first_stored_at": now})
                else:
                    updates.append(values)
                order = seq if old is None else old[1]
                terms += [
                    {"event_id": ev.event_id, "role": r, "term": t, "order_seq": order}
                    for r, t in sorted(_terms(ev))
                ]
                points += [
                    {"event_id": ev.event_id, "idx": i, "lat": lat, "lon": lon, "geo_precision": prec}
                    for i, (lat, lon, prec) in enumerate(_points(ev))
                ]
                versions.append(
                    {"event_id": ev.event_id, "version": ev.version, "stored_at": now, "payload": payload}
                )
                written += 1
            # One executemany per statement: a statement per event spent most of the write building and
            # cache-keying its VALUES (the payload included), not in the database.
            await _insert(conn, EventRow, inserts)
            await _update_by_key(conn, EventRow, updates)
            replaced = [u["event_id"] for u in updates]
            if replaced:
                for table in (_table(EventTermRow), _table(EventPointRow)):
                    await conn.execute(delete(table).where(table.c.event_id.in_(replaced)))
            for row, rows in ((EventTermRow, terms), (EventPointRow, points), (EventVersionRow, versions)):
                await _insert(conn, row, rows)
            # Stale versions too: an alias is written once and kept, so a re-delivery changes nothing.
            await self._add_aliases(conn, _aliases_of(latest.values()))
            await sequence.save(conn)
        return written

    async def _add_aliases(self, conn: AsyncConnection, aliases: dict[str, str]) -> None:
        """Record report id -> event id for the ids not recorded yet (the first event to claim one keeps it)."""
        if not aliases:
            return
        known: set[str] = set()
        for chunk in _chunks(sorted(aliases)):
            known.update(
                (
                    await conn.execute(
                        select(EventAliasRow.alias_id).where(EventAliasRow.alias_id.in_(chunk))
                    )
                ).scalars()
            )
        rows = [{"alias_id": a, "event_id": e} for a, e in aliases.items() if a not in known]
        await _insert(conn, EventAliasRow, rows)

    async def _resolved(self, s: AsyncSession, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Statement documents with ``related_event_ids`` resolved to the merged events (one query)."""
        wanted = sorted(
            {i for d in docs if d.get("event_type") == "statement" for i in d.get("related_event_ids") or []}
        )
        if not wanted:
            return docs
        aliases: dict[str, str] = {}
        for chunk in _chunks(wanted):
            rows = await s.execute(
                select(EventAliasRow.alias_id, EventAliasRow.event_id).where(
                    EventAliasRow.alias_id.in_(chunk)
                )
            )
            aliases.update((a, e) for a, e in rows)
        return [resolve_related(d, aliases) for d in docs]

    async def upsert_alerts(self, alerts: list[Alert]) -> int:
        latest = _latest([safe_model(a) for a in alerts], "alert_id")
        if not latest:
            return 0
        now = datetime.now(UTC)
        written = 0
        async with self.engine.begin() as conn:
            sequence = await _Sequence.claim(conn)
            stored = dict(
                (
                    await conn.execute(
                        select(AlertRow.alert_id, AlertRow.version).where(AlertRow.alert_id.in_(list(latest)))
                    )
                ).all()
            )
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            for al in latest.values():
                old = stored.get(al.alert_id)
                if old is not None and old >= al.version:
                    continue
                seq = sequence.next()
                values = dict(
                    alert_id=al.alert_id, version=al.version, kind=al.kind.value, severity=al.severity.value,
                    severity_rank=Severity(al.severity).rank, theater=_iso2(al.theater), raised_at=al.raised_at,
                    change_seq=seq, updated_at=now, payload=json.loads(al.model_dump_json()),
                )  # fmt: skip
                if old is None:
                    inserts.append({**values, "order_seq": seq})
                else:
                    updates.append(values)
                written += 1
            await _insert(conn, AlertRow, inserts)
            await _update_by_key(conn, AlertRow, updates)
            await sequence.save(conn)
        return written

    # -- reads ----------------------------------------------------------------------------------------

    async def list_events(self, filters: EventFilters, *, limit: int, cursor: str | None = None) -> Page:
        q, order = self.events_select(filters)
        page = await self._page(q, order, limit, cursor)
        async with self.sessions() as s:
            return Page(await self._resolved(s, page.items), page.next_cursor)

    async def iter_events(
        self, filters: EventFilters, *, batch: int = 1000
    ) -> AsyncIterator[list[tuple[dict[str, Any], datetime]]]:
        """Every event the filters select, newest first as ``list_events`` pages them, in batches of
        ``batch`` (keyset paging on the order column: each batch is one short indexed query, so a
        million-row export holds one batch in memory and no long transaction). Each row is the event
        (as ``list_events`` gives it) and when it was last stored."""
        q, order = self.events_select(filters)
        q = q.add_columns(EventRow.updated_at).order_by(order.desc()).limit(batch)
        last: int | None = None
        while True:
            async with self.sessions() as s:
                rows = (await s.execute(q if last is None else q.where(order < last))).all()
                docs = await self._resolved(s, [r[1] for r in rows])
            if rows:
                yield list(zip(docs, (r[2] for r in rows), strict=True))
            if len(rows) < batch:
                return
            last = rows[-1][0]

    def events_select(self, filters: EventFilters) -> tuple[Any, Any]:
        """The filtered SELECT behind GET /v1/events and the column that orders it, before paging
        (the benchmark runs it too). With a name filter (place, target, actor: the likeliest to be
        rare, first) the query walks that term's index newest first and joins each event by key;
        otherwise it walks the events newest first. Either way the LIMIT stops the walk early."""
        f = filters
        names = [
            (role, _key(value))
            for role, value in (("place", f.place), ("target", f.target), ("actor", f.actor))
        ]
        names = [(role, term) for role, term in names if term]
        conds: list[Any] = []
        if names:
            role, term = names.pop(0)
            driver = EventTermRow.__table__.alias("driver")
            q = select(driver.c.order_seq, EventRow.payload).join(
                EventRow, EventRow.event_id == driver.c.event_id
            )
            conds += [driver.c.role == role, driver.c.term == term]
            order: Any = driver.c.order_seq
        else:
            q = select(EventRow.order_seq, EventRow.payload)
            order = EventRow.order_seq
        if f.type:
            conds.append(EventRow.event_type == f.type)
        if f.strike_type:
            conds.append(EventRow.strike_type == f.strike_type)
        if f.country:
            conds.append(EventRow.country == f.country.upper())
        for role, term in names:
            conds.append(
                exists().where(
                    EventTermRow.event_id == EventRow.event_id,
                    EventTermRow.role == role,
                    EventTermRow.term == term,
                )
            )
        if f.bbox:
            b = f.bbox
            lon = (
                EventPointRow.lon.between(b.min_lon, b.max_lon)
                if b.min_lon <= b.max_lon
                else or_(EventPointRow.lon >= b.min_lon, EventPointRow.lon <= b.max_lon)
            )
            conds.append(
                exists().where(
                    EventPointRow.event_id == EventRow.event_id,
                    EventPointRow.lat.between(b.min_lat, b.max_lat),
                    lon,
                )
            )
        if f.since:
            conds.append(EventRow.occurred_on >= f.since)
        if f.until:
            conds.append(EventRow.occurred_on <= f.until)
        if f.updated_since:
            conds.append(EventRow.updated_at >= f.updated_since)
        if f.min_confidence is not None:
            conds.append(EventRow.confidence >= f.min_confidence)
        if f.q:
            conds.append(self._text_match(f.q))
        if conds:
            q = q.where(and_(*conds))
        return q, order

    def _text_match(self, query: str) -> Any:
        words = [w.lower() for w in _WORD.findall(safe_text(query))][:MAX_QUERY_WORDS]
        if self.dialect == "postgresql":
            # The same expression as the GIN index ix_events_search, so the planner can use it.
            return text(
                "to_tsvector('english', events.search_text) @@ plainto_tsquery('english', :q)"
            ).bindparams(q=" ".join(words))
        return and_(*(EventRow.search_text.contains(w, autoescape=True) for w in words))

    async def get_event(self, event_id: str) -> dict[str, Any] | None:
        """The latest version, with ``history``: every stored version and the sources it added. A report
        id merged into another event (``merged_ids``) gives that event."""
        event_id = safe_text(event_id)
        async with self.sessions() as s:
            payload = await _payload(s, event_id)
            if payload is None:
                merged_into = (
                    await s.execute(select(EventAliasRow.event_id).where(EventAliasRow.alias_id == event_id))
                ).scalar()
                if merged_into is not None:
                    event_id, payload = merged_into, await _payload(s, merged_into)
            if payload is None:
                return None
            (payload,) = await self._resolved(s, [payload])
            rows = await s.execute(
                select(EventVersionRow.version, EventVersionRow.stored_at, EventVersionRow.payload)
                .where(EventVersionRow.event_id == event_id)
                .order_by(EventVersionRow.version)
            )
            history: list[dict[str, Any]] = []
            seen: set[str] = set()
            for version, stored_at, doc in rows:
                sources = [src for src in doc.get("sources", []) if src.get("article_id") not in seen]
                seen.update(src.get("article_id") for src in doc.get("sources", []))
                history.append({
                    "version": version, "stored_at": stored_at.astimezone(UTC).isoformat(),
                    "source_count": len(doc.get("sources", [])), "added_sources": sources,
                })  # fmt: skip
        return {**payload, "history": history}

    async def list_alerts(self, filters: AlertFilters, *, limit: int, cursor: str | None = None) -> Page:
        f = filters
        conds: list[Any] = []
        if f.kind:
            conds.append(AlertRow.kind == f.kind)
        if f.severity:
            conds.append(AlertRow.severity == f.severity)
        if f.min_severity:
            conds.append(AlertRow.severity_rank >= Severity(f.min_severity).rank)
        if f.theater:
            conds.append(AlertRow.theater == f.theater.upper())
        if f.since:
            conds.append(AlertRow.raised_at >= f.since)
        if f.updated_since:
            conds.append(AlertRow.updated_at >= f.updated_since)
        q = select(AlertRow.order_seq, AlertRow.payload)
        if conds:
            q = q.where(and_(*conds))
        return await self._page(q, AlertRow.order_seq, limit, cursor)

    async def get_alert(self, alert_id: str) -> dict[str, Any] | None:
        alert_id = safe_text(alert_id)
        async with self.sessions() as s:
            found: dict[str, Any] | None = (
                await s.execute(select(AlertRow.payload).where(AlertRow.alert_id == alert_id))
            ).scalar()
            return found

    async def _page(self, q: Any, seq: Any, limit: int, cursor: str | None) -> Page:
        """Newest first by first-stored order; the cursor marks the last row sent, so paging neither
        repeats nor skips a row while new ones arrive or old ones are updated."""
        q = q.order_by(seq.desc()).limit(limit + 1)
        if cursor is not None:
            q = q.where(seq < decode_cursor(cursor))
        async with self.sessions() as s:
            rows = (await s.execute(q)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        return Page([r[1] for r in rows], encode_cursor(rows[-1][0]) if more and rows else None)

    async def changes_since(self, seq: int, *, limit: int = 500) -> list[Change]:
        """Events and alerts written after ``seq``, oldest first, as live-feed changes."""
        async with self.sessions() as s:
            events = await s.execute(
                select(EventRow.change_seq, EventRow.payload)
                .where(EventRow.change_seq > seq)
                .order_by(EventRow.change_seq)
                .limit(limit)
            )
            event_rows = list(events)
            docs = await self._resolved(s, [p for _, p in event_rows])
            merged = [(n, "event", p) for (n, _), p in zip(event_rows, docs, strict=True)]
            alerts = await s.execute(
                select(AlertRow.change_seq, AlertRow.payload)
                .where(AlertRow.change_seq > seq)
                .order_by(AlertRow.change_seq)
                .limit(limit)
            )
            merged += [(n, "alert", p) for n, p in alerts]
        return [change(n, kind, p) for n, kind, p in sorted(merged, key=lambda x: x[0])[:limit]]

    # -- webhooks -------------------------------------------------------------------------------------

    async def upsert_webhook(self, sub: WebhookSubscription) -> None:
        """Written by the request handler and again by the materialiser: an insert race ends in an update."""
        sub = safe_model(sub)
        payload = json.loads(sub.model_dump_json(exclude={"secret"}))
        for _ in range(2):
            try:
                async with self.sessions.begin() as s:
                    row = await s.get(WebhookRow, sub.subscription_id)
                    if row is None:
                        s.add(
                            WebhookRow(
                                subscription_id=sub.subscription_id,
                                created_at=sub.created_at,
                                payload=payload,
                            )
                        )
                    else:
                        row.payload = payload
                return
            except IntegrityError:
                continue

    async def delete_webhook(self, subscription_id: str) -> bool:
        # A plain DELETE: the request handler and the materialiser (on the tombstone) both delete it.
        subscription_id = safe_text(subscription_id)
        async with self.sessions.begin() as s:
            result = await s.execute(delete(WebhookRow).where(WebhookRow.subscription_id == subscription_id))
            return bool(getattr(result, "rowcount", 0))

    async def list_webhooks(self) -> list[dict[str, Any]]:
        async with self.sessions() as s:
            rows = (await s.execute(select(WebhookRow).order_by(WebhookRow.created_at))).scalars()
            return [r.payload for r in rows]

    async def get_webhook(self, subscription_id: str) -> dict[str, Any] | None:
        subscription_id = safe_text(subscription_id)
        async with self.sessions() as s:
            row = await s.get(WebhookRow, subscription_id)
            return row.payload if row else None

    async def upsert_deliveries(self, deliveries: list[WebhookDelivery]) -> None:
        deliveries = [safe_model(d) for d in deliveries]
        async with self.sessions.begin() as s:
            known = set(
                (
                    await s.execute(
                        select(DeliveryRow.delivery_id).where(
                            DeliveryRow.delivery_id.in_([d.delivery_id for d in deliveries])
                        )
                    )
                ).scalars()
            )
            for d in deliveries:
                if d.delivery_id not in known:
                    known.add(d.delivery_id)
                    s.add(DeliveryRow(delivery_id=d.delivery_id, subscription_id=d.subscription_id,
                                      attempted_at=d.attempted_at, payload=json.loads(d.model_dump_json())))  # fmt: skip

    async def list_deliveries(self, subscription_id: str, *, limit: int) -> list[dict[str, Any]]:
        subscription_id = safe_text(subscription_id)
        q = (
            select(DeliveryRow.payload)
            .where(DeliveryRow.subscription_id == subscription_id)
            .order_by(DeliveryRow.attempted_at.desc())
            .limit(limit)
        )
        async with self.sessions() as s:
            return list((await s.execute(q)).scalars())
