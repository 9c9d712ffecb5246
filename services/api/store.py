"""The API's store (SQLAlchemy 2, async): events and alerts, upserted by id and version."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Index, Integer, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.schemas import Alert, StatementEvent, StrikeEvent, WebhookDelivery, WebhookSubscription


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    __tablename__ = "events"
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer)
    strike_type: Mapped[str | None] = mapped_column(String(32), index=True)
    actor: Mapped[str | None] = mapped_column(String(200), index=True)
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    occurred_on: Mapped[str | None] = mapped_column(String(10), index=True)
    confidence: Mapped[float] = mapped_column(Float)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class AlertRow(Base):
    __tablename__ = "alerts"
    alert_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[str] = mapped_column(String(16), index=True)
    theater: Mapped[str | None] = mapped_column(String(2), index=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class WebhookRow(Base):
    __tablename__ = "webhooks"
    subscription_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, doc="The subscription without its secret.")


class DeliveryRow(Base):
    __tablename__ = "webhook_deliveries"
    delivery_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(String(64), index=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


Index("ix_events_seq_desc", EventRow.seq.desc())
Index("ix_alerts_seq_desc", AlertRow.seq.desc())


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: int | None


class Store:
    """Single-writer store: the API's consumer writes, request handlers read."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite") and ":///" in url:
            Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._seq = 0

    async def start(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with self.sessions() as s:
            top_e = (await s.execute(select(func.max(EventRow.seq)))).scalar() or 0
            top_a = (await s.execute(select(func.max(AlertRow.seq)))).scalar() or 0
        self._seq = max(top_e, top_a)

    async def close(self) -> None:
        await self.engine.dispose()

    async def ping(self) -> bool:
        try:
            async with self.sessions() as s:
                await s.execute(select(1))
            return True
        except Exception:
            return False

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    async def upsert_events(self, events: list[StrikeEvent | StatementEvent]) -> int:
        """Idempotent: a version not newer than the stored one is ignored. Returns rows written."""
        written = 0
        async with self.sessions.begin() as s:
            for ev in events:
                row = await s.get(EventRow, ev.event_id)
                if row is not None and row.version >= ev.version:
                    continue
                payload = json.loads(ev.model_dump_json())
                theater = _theater(ev)
                values = dict(
                    event_type=ev.event_type,
                    version=ev.version,
                    strike_type=getattr(ev, "strike_type", None),
                    actor=_actor_name(ev),
                    country=theater,
                    occurred_on=ev.occurred_on.isoformat() if ev.occurred_on else None,
                    confidence=ev.confidence,
                    seq=self._next_seq(),
                    updated_at=datetime.now(UTC),
                    payload=payload,
                )
                if row is None:
                    s.add(EventRow(event_id=ev.event_id, **values))
                else:
                    for k, v in values.items():
                        setattr(row, k, v)
                written += 1
        return written

    async def upsert_alerts(self, alerts: list[Alert]) -> int:
        written = 0
        async with self.sessions.begin() as s:
            for al in alerts:
                row = await s.get(AlertRow, al.alert_id)
                if row is not None and row.version >= al.version:
                    continue
                values = dict(
                    version=al.version,
                    kind=al.kind.value,
                    severity=al.severity.value,
                    theater=al.theater,
                    seq=self._next_seq(),
                    updated_at=datetime.now(UTC),
                    payload=json.loads(al.model_dump_json()),
                )
                if row is None:
                    s.add(AlertRow(alert_id=al.alert_id, **values))
                else:
                    for k, v in values.items():
                        setattr(row, k, v)
                written += 1
        return written

    async def list_events(
        self,
        *,
        limit: int,
        cursor: int | None = None,
        type: str | None = None,
        strike_type: str | None = None,
        actor: str | None = None,
        country: str | None = None,
    ) -> Page:
        q = select(EventRow)
        if type:
            q = q.where(EventRow.event_type == type)
        if strike_type:
            q = q.where(EventRow.strike_type == strike_type)
        if actor:
            q = q.where(func.lower(EventRow.actor) == actor.lower())
        if country:
            q = q.where(EventRow.country == country.upper())
        return await self._page(q, EventRow.seq, limit, cursor)

    async def get_event(self, event_id: str) -> dict[str, Any] | None:
        async with self.sessions() as s:
            row = await s.get(EventRow, event_id)
            return row.payload if row else None

    async def list_alerts(
        self,
        *,
        limit: int,
        cursor: int | None = None,
        kind: str | None = None,
        severity: str | None = None,
        theater: str | None = None,
    ) -> Page:
        q = select(AlertRow)
        if kind:
            q = q.where(AlertRow.kind == kind)
        if severity:
            q = q.where(AlertRow.severity == severity)
        if theater:
            q = q.where(AlertRow.theater == theater.upper())
        return await self._page(q, AlertRow.seq, limit, cursor)

    async def _page(self, q: Any, seq: Any, limit: int, cursor: int | None) -> Page:
        """Newest first by the write sequence; the cursor is the last row's seq, so pages are stable
        while new rows arrive."""
        q = q.order_by(seq.desc()).limit(limit + 1)
        if cursor is not None:
            q = q.where(seq < cursor)
        async with self.sessions() as s:
            rows = list((await s.execute(q)).scalars())
        more = len(rows) > limit
        rows = rows[:limit]
        return Page([r.payload for r in rows], rows[-1].seq if more and rows else None)

    @property
    def last_seq(self) -> int:
        return self._seq

    async def changes_since(self, seq: int, *, limit: int = 500) -> list[tuple[int, str, dict[str, Any]]]:
        """Events and alerts written after ``seq``, oldest first, as (seq, "event" | "alert", payload)."""
        async with self.sessions() as s:
            events = (
                await s.execute(
                    select(EventRow).where(EventRow.seq > seq).order_by(EventRow.seq).limit(limit)
                )
            ).scalars()
            alerts = (
                await s.execute(
                    select(AlertRow).where(AlertRow.seq > seq).order_by(AlertRow.seq).limit(limit)
                )
            ).scalars()
            merged = [(r.seq, "event", r.payload) for r in events] + [
                (r.seq, "alert", r.payload) for r in alerts
            ]
        return sorted(merged, key=lambda x: x[0])[:limit]

    async def upsert_webhook(self, sub: WebhookSubscription) -> None:
        """Written by the request handler and again by the materialiser: an insert race ends in an update."""
        payload = json.loads(sub.model_dump_json(exclude={"secret"}))
        for _ in range(2):
            try:
                async with self.sessions.begin() as s:
                    row = await s.get(WebhookRow, sub.subscription_id)
                    if row is None:
                        new = WebhookRow(
                            subscription_id=sub.subscription_id, created_at=sub.created_at, payload=payload
                        )
                        s.add(new)
                    else:
                        row.payload = payload
                return
            except IntegrityError:
                continue

    async def delete_webhook(self, subscription_id: str) -> bool:
        async with self.sessions.begin() as s:
            row = await s.get(WebhookRow, subscription_id)
            if row is None:
                return False
            await s.delete(row)
            return True

    async def list_webhooks(self) -> list[dict[str, Any]]:
        async with self.sessions() as s:
            rows = (await s.execute(select(WebhookRow).order_by(WebhookRow.created_at))).scalars()
            return [r.payload for r in rows]

    async def get_webhook(self, subscription_id: str) -> dict[str, Any] | None:
        async with self.sessions() as s:
            row = await s.get(WebhookRow, subscription_id)
            return row.payload if row else None

    async def upsert_deliveries(self, deliveries: list[WebhookDelivery]) -> None:
        async with self.sessions.begin() as s:
            for d in deliveries:
                if await s.get(DeliveryRow, d.delivery_id) is None:
                    s.add(DeliveryRow(delivery_id=d.delivery_id, subscription_id=d.subscription_id,
                                      attempted_at=d.attempted_at, payload=json.loads(d.model_dump_json())))  # fmt: skip

    async def list_deliveries(self, subscription_id: str, *, limit: int) -> list[dict[str, Any]]:
        q = (
            select(DeliveryRow)
            .where(DeliveryRow.subscription_id == subscription_id)
            .order_by(DeliveryRow.attempted_at.desc())
            .limit(limit)
        )
        async with self.sessions() as s:
            return [r.payload for r in (await s.execute(q)).scalars()]

    async def get_alert(self, alert_id: str) -> dict[str, Any] | None:
        async with self.sessions() as s:
            row = await s.get(AlertRow, alert_id)
            return row.payload if row else None


def _actor_name(ev: StrikeEvent | StatementEvent) -> str | None:
    if isinstance(ev, StrikeEvent):
        return ev.actor.name if ev.actor else None
    return ev.speaker.name


def _theater(ev: StrikeEvent | StatementEvent) -> str | None:
    places = ev.locations if isinstance(ev, StrikeEvent) else ev.about.places
    return next((p.country_code for p in places if p.country_code), None)
