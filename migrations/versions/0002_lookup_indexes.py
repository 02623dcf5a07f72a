"""Indexes for the lookup path (public services by category, hours and contacts by service).

Added after benchmarking find_services; existing directories keep all rows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_services_public_category", "services", ["public", "category"])
    op.create_index("ix_service_categories_category", "service_categories", ["category", "service_id"])
    op.create_index("ix_opening_hours_service_id", "opening_hours", ["service_id"])
    op.create_index("ix_contacts_service_id", "contacts", ["service_id"])
    op.create_index("ix_contacts_organisation_id", "contacts", ["organisation_id"])


def downgrade() -> None:
    op.drop_index("ix_contacts_organisation_id", table_name="contacts")
    op.drop_index("ix_contacts_service_id", table_name="contacts")
    op.drop_index("ix_opening_hours_service_id", table_name="opening_hours")
    op.drop_index("ix_service_categories_category", table_name="service_categories")
    op.drop_index("ix_services_public_category", table_name="services")
