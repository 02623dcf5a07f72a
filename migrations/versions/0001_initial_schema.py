"""Initial directory schema: organisations, services, hours, contacts, crisis counts.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crisis_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_crisis_events_count")),
        sa.CheckConstraint("hour >= 0 AND hour < 24", name=op.f("ck_crisis_events_hour")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_events")),
        sa.UniqueConstraint("event_date", "hour", "channel", name="uq_crisis_events_slot"),
    )
    op.create_table(
        "directory_meta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_meta")),
    )
    op.create_table(
        "organisations",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("verified_precision", sa.String(length=5), nullable=False),
        sa.Column("confidence", sa.String(length=10), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.Column("staff_notes", sa.Text(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "confidence IN ('verified', 'partly', 'unverified')", name=op.f("ck_organisations_confidence")
        ),
        sa.CheckConstraint(
            "kind IN ('区', '社会福祉協議会', 'NPO', '企業', '東京都', '国')", name=op.f("ck_organisations_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("key", name=op.f("uq_organisations_key")),
    )
    op.create_table(
        "services",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("verified_precision", sa.String(length=5), nullable=False),
        sa.Column("confidence", sa.String(length=10), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("operated_by", sa.String(length=200), nullable=True),
        sa.Column("age_min", sa.Integer(), nullable=True),
        sa.Column("age_max", sa.Integer(), nullable=True),
        sa.Column("eligibility", sa.String(length=12), nullable=False),
        sa.Column("eligibility_area", sa.String(length=20), nullable=True),
        sa.Column("cost", sa.Text(), nullable=True),
        sa.Column("cost_free", sa.Boolean(), nullable=True),
        sa.Column("reservation_required", sa.Boolean(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=True),
        sa.Column("languages", sa.String(length=60), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("staff_notes", sa.Text(), nullable=True),
        sa.Column("hours_type", sa.String(length=12), nullable=False),
        sa.Column("holiday_rule", sa.String(length=10), nullable=False),
        sa.Column("hours_note", sa.Text(), nullable=True),
        sa.Column("hours_source", sa.Text(), nullable=False),
        sa.Column("hours_verified_on", sa.Date(), nullable=True),
        sa.Column("hours_precision", sa.String(length=5), nullable=False),
        sa.Column("hours_confidence", sa.String(length=10), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "category IN ('counseling', 'free_space', 'career', 'crisis_line', 'community_event')",
            name=op.f("ck_services_category"),
        ),
        sa.CheckConstraint("confidence IN ('verified', 'partly', 'unverified')", name=op.f("ck_services_confidence")),
        sa.CheckConstraint("eligibility IN ('resident', 'work_study', 'anyone')", name=op.f("ck_services_eligibility")),
        sa.CheckConstraint(
            "holiday_rule IN ('closed', 'as_usual', 'special', 'unknown')", name=op.f("ck_services_holiday_rule")
        ),
        sa.CheckConstraint(
            "hours_confidence IN ('verified', 'partly', 'unverified')", name=op.f("ck_services_hours_confidence")
        ),
        sa.CheckConstraint(
            "hours_type IN ('weekly', '24h', 'appointment', 'web', 'unknown')", name=op.f("ck_services_hours_type")
        ),
        sa.CheckConstraint(
            "age_min IS NULL OR age_max IS NULL OR age_min <= age_max", name=op.f("ck_services_age_range")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_services_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("key", name=op.f("uq_services_key")),
    )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_services_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("verified_precision", sa.String(length=5), nullable=False),
        sa.Column("confidence", sa.String(length=10), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.CheckConstraint("confidence IN ('verified', 'partly', 'unverified')", name=op.f("ck_contacts_confidence")),
        sa.CheckConstraint("kind IN ('phone', 'url', 'line', 'address')", name=op.f("ck_contacts_kind")),
        sa.CheckConstraint("(organisation_id IS NULL) <> (service_id IS NULL)", name=op.f("ck_contacts_one_owner")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_contacts_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_contacts_service_id_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_table(
        "opening_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("day_kind", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Integer(), nullable=True),
        sa.Column("opens_min", sa.Integer(), nullable=False),
        sa.Column("closes_min", sa.Integer(), nullable=False),
        sa.CheckConstraint("day_kind IN ('weekday', 'holiday', 'monthday')", name=op.f("ck_opening_hours_day_kind")),
        sa.CheckConstraint(
            "closes_min > opens_min AND closes_min <= opens_min + 1440", name=op.f("ck_opening_hours_closes")
        ),
        sa.CheckConstraint("opens_min >= 0 AND opens_min < 1440", name=op.f("ck_opening_hours_opens")),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_opening_hours_service_id_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_hours")),
    )
    op.create_table(
        "service_categories",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "category IN ('counseling', 'free_space', 'career', 'crisis_line', 'community_event')",
            name=op.f("ck_service_categories_category"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_service_categories_service_id_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("service_id", "category", name=op.f("pk_service_categories")),
    )
    op.create_table(
        "service_channels",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.CheckConstraint(
            "channel IN ('in_person', 'phone', 'chat', 'line', 'online')", name=op.f("ck_service_channels_channel")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_service_channels_service_id_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("service_id", "channel", name=op.f("pk_service_channels")),
    )


def downgrade() -> None:
    op.drop_table("service_channels")
    op.drop_table("service_categories")
    op.drop_table("opening_hours")
    op.drop_table("contacts")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_services_organisation_id"))
    op.drop_table("services")
    op.drop_table("organisations")
    op.drop_table("directory_meta")
    op.drop_table("crisis_events")
