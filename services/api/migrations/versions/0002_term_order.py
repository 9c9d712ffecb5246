"""event_terms.order_seq: a term filter (actor, target, place) walks its own index newest first
instead of scanning all events newest first and testing each (slow for rare terms).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event_terms") as batch:
        batch.add_column(sa.Column("order_seq", sa.BigInteger, nullable=True))
    op.execute(
        "UPDATE event_terms SET order_seq = "
        "(SELECT events.order_seq FROM events WHERE events.event_id = event_terms.event_id)"
    )
    op.create_index("ix_event_terms_order", "event_terms", ["role", "term", sa.text("order_seq DESC")])
    op.drop_index("ix_event_terms_lookup", table_name="event_terms")


def downgrade() -> None:
    op.create_index("ix_event_terms_lookup", "event_terms", ["role", "term", "event_id"])
    op.drop_index("ix_event_terms_order", table_name="event_terms")
    with op.batch_alter_table("event_terms") as batch:
        batch.drop_column("order_seq")
