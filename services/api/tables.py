"""The API's database schema (SQLAlchemy 2 declarative). Alembic migrations in ``services/api/migrations``
create and change it; the models here are what the store's queries are written against.

Each query filter has an index behind it:
- ``events``: one row per event (its latest version), with the filterable fields as columns;
  ``order_seq`` is fixed when the event is first stored, so pages stay stable while events are updated;
  ``change_seq`` grows on every write and drives the live feed (SSE ids);
- ``event_terms``: lower-cased names per role (actor, target, place), for exact, case-insensitive filters;
- ``event_points``: the coordinates of each geocoded place, for ``bbox``;
- ``event_versions``: every stored version, for the history on ``GET /v1/events/{id}``;
- ``event_aliases``: the report ids merged into a strike (its ``merged_ids``) -> the strike's id, so a
  statement's ``related_event_ids`` are served as the merged events' ids whichever was stored first;
- ``search_text``: what full-text ``q`` searches (a GIN ``tsvector`` index on PostgreSQL);
- ``counters``: the write sequence (``change_seq``/``order_seq``) lives in the database, so several API
  replicas on one database number their writes without colliding (see ``Store._sequence``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# JSONB on PostgreSQL (compact, indexable), plain JSON text elsewhere.
Payload = JSON().with_variant(JSONB(), "postgresql")
ID = String(64)


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    __tablename__ = "events"
    event_id: Mapped[str] = mapped_column(ID, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    strike_type: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    occurred_on: Mapped[date | None] = mapped_column(Date)
    confidence: Mapped[float] = mapped_column(Float)
    order_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    change_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    search_text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(Payload)


class EventTermRow(Base):
    __tablename__ = "event_terms"
    event_id: Mapped[str] = mapped_column(
        ID, ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(8), primary_key=True)
    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    order_seq: Mapped[int | None] = mapped_column(BigInteger, doc="The event's order_seq (revision 0002).")


class EventPointRow(Base):
    __tablename__ = "event_points"
    event_id: Mapped[str] = mapped_column(
        ID, ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    geo_precision: Mapped[int | None] = mapped_column(SmallInteger)


class EventVersionRow(Base):
    __tablename__ = "event_versions"
    event_id: Mapped[str] = mapped_column(
        ID, ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(Payload)


class EventAliasRow(Base):
    __tablename__ = "event_aliases"
    alias_id: Mapped[str] = mapped_column(ID, primary_key=True, doc="A report id merged into the event.")
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.event_id", ondelete="CASCADE"))


class AlertRow(Base):
    __tablename__ = "alerts"
    alert_id: Mapped[str] = mapped_column(ID, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(16))
    severity_rank: Mapped[int] = mapped_column(SmallInteger)
    theater: Mapped[str | None] = mapped_column(String(2))
    raised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    order_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    change_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(Payload)


class CounterRow(Base):
    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class WebhookRow(Base):
    __tablename__ = "webhooks"
    subscription_id: Mapped[str] = mapped_column(ID, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(Payload, doc="The subscription without its secret.")


class DeliveryRow(Base):
    __tablename__ = "webhook_deliveries"
    delivery_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(ID)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(Payload)


# Newest-first pages, alone and under each equality filter.
Index("ix_events_order", EventRow.order_seq.desc())
Index("ix_events_type_order", EventRow.event_type, EventRow.order_seq.desc())
Index("ix_events_strike_type_order", EventRow.strike_type, EventRow.order_seq.desc())
Index("ix_events_country_order", EventRow.country, EventRow.order_seq.desc())
Index("ix_events_occurred_on", EventRow.occurred_on)
Index("ix_events_updated_at", EventRow.updated_at)
Index("ix_event_terms_order", EventTermRow.role, EventTermRow.term, EventTermRow.order_seq.desc())
Index("ix_event_points_latlon", EventPointRow.lat, EventPointRow.lon)
Index("ix_alerts_order", AlertRow.order_seq.desc())
Index("ix_alerts_kind_order", AlertRow.kind, AlertRow.order_seq.desc())
Index("ix_alerts_theater_order", AlertRow.theater, AlertRow.order_seq.desc())
Index("ix_alerts_raised_at", AlertRow.raised_at)
Index("ix_alerts_updated_at", AlertRow.updated_at)
Index("ix_deliveries_subscription", DeliveryRow.subscription_id, DeliveryRow.attempted_at.desc())
