"""Aggregate insight events (searches, listening, FAQ topics, gentle checks) and services shown.

Counts per bucket only: no message text, no sender or conversation id, no
time finer than the hour (see tsunagari/insight/events.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insight_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("hour_of_week", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("input_channel", sa.String(length=32), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("channel_answer", sa.String(length=12), nullable=False),
        sa.Column("time_answer", sa.String(length=12), nullable=False),
        sa.Column("fitted", sa.Integer(), nullable=False),
        sa.Column("none_open", sa.Boolean(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_insight_events_count")),
        sa.CheckConstraint("hour_of_week >= 0 AND hour_of_week < 168", name=op.f("ck_insight_events_hour_of_week")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_events")),
        sa.UniqueConstraint(
            "event_date",
            "hour_of_week",
            "kind",
            "input_channel",
            "route",
            "channel_answer",
            "time_answer",
            "fitted",
            "none_open",
            "topic",
            name="uq_insight_events_bucket",
        ),
    )
    op.create_table(
        "insight_services_shown",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("input_channel", sa.String(length=32), nullable=False),
        sa.Column("service_key", sa.String(length=80), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_insight_services_shown_count")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_services_shown")),
        sa.UniqueConstraint(
            "event_date", "route", "input_channel", "service_key", name="uq_insight_services_shown_bucket"
        ),
    )
    op.create_index("ix_insight_events_event_date", "insight_events", ["event_date"])
    op.create_index("ix_insight_services_shown_event_date", "insight_services_shown", ["event_date"])


def downgrade() -> None:
    op.drop_index("ix_insight_services_shown_event_date", table_name="insight_services_shown")
    op.drop_index("ix_insight_events_event_date", table_name="insight_events")
    op.drop_table("insight_services_shown")
    op.drop_table("insight_events")
