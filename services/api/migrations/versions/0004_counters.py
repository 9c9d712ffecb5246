"""counters, and an index for ``GET /v1/alerts?updated_since=``.

The write sequence moves from the API process into the database, so that several API
replicas materialising into one database number their writes without colliding. The ``change`` counter
starts where the stored events and alerts left off.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.execute(
        "INSERT INTO counters (name, value) SELECT 'change', COALESCE(MAX(seq), 0) FROM ("
        "SELECT MAX(change_seq) AS seq FROM events UNION ALL SELECT MAX(change_seq) FROM alerts) AS tops"
    )
    op.create_index("ix_alerts_updated_at", "alerts", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_alerts_updated_at", table_name="alerts")
    op.drop_table("counters")
