"""event_aliases: the report ids merged into a strike event (``StrikeEvent.merged_ids``) -> its
event_id, so the API serves a statement's ``related_event_ids`` as the ids of the merged events.

Strikes stored before this revision carry no ``merged_ids`` (the field is new), so there is nothing
to fill in.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_aliases",
        sa.Column("alias_id", sa.String(64), primary_key=True),
        sa.Column(
            "event_id",
            sa.String(64),
            sa.ForeignKey("events.event_id", ondelete="CASCADE"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_table("event_aliases")
