"""Initial schema: events (+ terms, points, versions), alerts, webhooks, deliveries.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Payload = sa.JSON().with_variant(JSONB(), "postgresql")
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("event_type", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("strike_type", sa.String(32)),
        sa.Column("actor", sa.String(200)),
        sa.Column("country", sa.String(2)),
        sa.Column("occurred_on", sa.Date),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("order_seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("change_seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("first_stored_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False, server_default=""),
        sa.Column("payload", Payload, nullable=False),
    )
    op.create_index("ix_events_order", "events", [sa.text("order_seq DESC")])
    op.create_index("ix_events_type_order", "events", ["event_type", sa.text("order_seq DESC")])
    op.create_index("ix_events_strike_type_order", "events", ["strike_type", sa.text("order_seq DESC")])
    op.create_index("ix_events_country_order", "events", ["country", sa.text("order_seq DESC")])
    op.create_index("ix_events_occurred_on", "events", ["occurred_on"])
    op.create_index("ix_events_updated_at", "events", ["updated_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_events_search",
            "events",
            [sa.text("to_tsvector('english', search_text)")],
            postgresql_using="gin",
        )
    op.create_table(
        "event_terms",
        sa.Column(
            "event_id", sa.String(64), sa.ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("role", sa.String(8), primary_key=True),
        sa.Column("term", sa.String(200), primary_key=True),
    )
    op.create_index("ix_event_terms_lookup", "event_terms", ["role", "term", "event_id"])
    op.create_table(
        "event_points",
        sa.Column(
            "event_id", sa.String(64), sa.ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("idx", sa.SmallInteger, primary_key=True),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("geo_precision", sa.SmallInteger),
    )
    op.create_index("ix_event_points_latlon", "event_points", ["lat", "lon"])
    op.create_table(
        "event_versions",
        sa.Column(
            "event_id", sa.String(64), sa.ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("stored_at", TZ, nullable=False),
        sa.Column("payload", Payload, nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("severity_rank", sa.SmallInteger, nullable=False),
        sa.Column("theater", sa.String(2)),
        sa.Column("raised_at", TZ),
        sa.Column("order_seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("change_seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("payload", Payload, nullable=False),
    )
    op.create_index("ix_alerts_order", "alerts", [sa.text("order_seq DESC")])
    op.create_index("ix_alerts_kind_order", "alerts", ["kind", sa.text("order_seq DESC")])
    op.create_index("ix_alerts_theater_order", "alerts", ["theater", sa.text("order_seq DESC")])
    op.create_index("ix_alerts_raised_at", "alerts", ["raised_at"])
    op.create_table(
        "webhooks",
        sa.Column("subscription_id", sa.String(64), primary_key=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("payload", Payload, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.String(200), primary_key=True),
        sa.Column("subscription_id", sa.String(64), nullable=False),
        sa.Column("attempted_at", TZ, nullable=False),
        sa.Column("payload", Payload, nullable=False),
    )
    op.create_index(
        "ix_deliveries_subscription", "webhook_deliveries", ["subscription_id", sa.text("attempted_at DESC")]
    )


def downgrade() -> None:
    for table in ("webhook_deliveries", "webhooks", "alerts", "event_versions", "event_points", "event_terms",
                  "events"):  # fmt: skip
        op.drop_table(table)
