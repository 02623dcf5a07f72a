"""SQLAlchemy models for the partner directory.

Every fact that a resident could act on (a phone number, an address, opening
hours) carries its own provenance: source text, the date the source shows and a
confidence level, because the fact sheet is only partly confirmed.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

# Stable constraint names so Alembic migrations are portable (SQLite batch mode).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Base = declarative_base(metadata=MetaData(naming_convention=NAMING))

# Canonical codes (stored) -> Japanese labels (shown to staff / residents).
ORG_KINDS = ("区", "社会福祉協議会", "NPO", "企業", "東京都", "国")
CATEGORIES = ("counseling", "free_space", "career", "crisis_line", "community_event")
CHANNELS = ("in_person", "phone", "chat", "line", "online")
ELIGIBILITY = ("resident", "work_study", "anyone")
CONFIDENCE = ("verified", "partly", "unverified")
PRECISION = ("day", "month", "year")
HOURS_TYPES = ("weekly", "24h", "appointment", "web", "unknown")
HOLIDAY_RULES = ("closed", "as_usual", "special", "unknown")
CONTACT_KINDS = ("phone", "url", "line", "address")
DAY_KINDS = ("weekday", "holiday", "monthday")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ProvenanceMixin:
    """Where a fact comes from and how sure we are; see partners.md."""

    source = Column(Text, nullable=False, default="")
    verified_on = Column(Date, nullable=True)  # date the source shows; NULL = undated
    verified_precision = Column(String(5), nullable=False, default="day")
    confidence = Column(String(10), nullable=False, default="unverified")


class Organisation(ProvenanceMixin, Base):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(_in("kind", ORG_KINDS), name="kind"),
        CheckConstraint(_in("confidence", CONFIDENCE), name="confidence"),
    )

    id = Column(Integer, primary_key=True)
    key = Column(String(80), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    kind = Column(String(20), nullable=False)
    description = Column(Text, nullable=False, default="")
    district = Column(String(40), nullable=True)  # 品川/大崎/大井/荏原/八潮; NULL = outside or ward-wide
    hidden = Column(Boolean, nullable=False, default=False)  # staff decision ("do not show")
    hidden_reason = Column(Text, nullable=True)
    staff_notes = Column(Text, nullable=True)  # never shown to residents
    public = Column(Boolean, nullable=False, default=False)  # derived: see repository.refresh_visibility
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow, onupdate=_utcnow)

    services = relationship("Service", back_populates="organisation", cascade="all, delete-orphan")
    contacts = relationship(
        "Contact",
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="Contact.position",
    )


class Service(ProvenanceMixin, Base):
    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint(_in("eligibility", ELIGIBILITY), name="eligibility"),
        CheckConstraint(_in("confidence", CONFIDENCE), name="confidence"),
        CheckConstraint(_in("hours_confidence", CONFIDENCE), name="hours_confidence"),
        CheckConstraint(_in("hours_type", HOURS_TYPES), name="hours_type"),
        CheckConstraint(_in("holiday_rule", HOLIDAY_RULES), name="holiday_rule"),
        CheckConstraint("age_min IS NULL OR age_max IS NULL OR age_min <= age_max", name="age_range"),
    )

    id = Column(Integer, primary_key=True)
    key = Column(String(80), nullable=False, unique=True)
    organisation_id = Column(Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    category = Column(String(20), nullable=False)  # primary category
    description = Column(Text, nullable=False)  # one line, plain Japanese
    operated_by = Column(String(200), nullable=True)  # contracted operator, if different
    age_min = Column(Integer, nullable=True)
    age_max = Column(Integer, nullable=True)
    eligibility = Column(String(12), nullable=False, default="anyone")
    eligibility_area = Column(String(20), nullable=True)  # 品川区 / 東京都 / 全国
    cost = Column(Text, nullable=True)
    cost_free = Column(Boolean, nullable=True)
    reservation_required = Column(Boolean, nullable=True)
    anonymous = Column(Boolean, nullable=True)
    languages = Column(String(60), nullable=False, default="ja")  # comma-separated ISO 639-1
    priority = Column(Integer, nullable=False, default=0)  # staff tie-break, higher first
    emergency = Column(Boolean, nullable=False, default=False)  # 110/119-type numbers
    notes = Column(Text, nullable=True)  # resident-facing extra line (sourced), e.g. 年末年始はお休み
    staff_notes = Column(Text, nullable=True)  # never shown to residents

    hours_type = Column(String(12), nullable=False, default="unknown")
    holiday_rule = Column(String(10), nullable=False, default="unknown")
    hours_note = Column(Text, nullable=True)
    hours_source = Column(Text, nullable=False, default="")
    hours_verified_on = Column(Date, nullable=True)
    hours_precision = Column(String(5), nullable=False, default="day")
    hours_confidence = Column(String(10), nullable=False, default="unverified")

    hidden = Column(Boolean, nullable=False, default=False)
    hidden_reason = Column(Text, nullable=True)
    public = Column(Boolean, nullable=False, default=False)  # derived
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow, onupdate=_utcnow)

    organisation = relationship("Organisation", back_populates="services")
    categories = relationship("ServiceCategory", back_populates="service", cascade="all, delete-orphan")
    channels = relationship("ServiceChannel", back_populates="service", cascade="all, delete-orphan")
    hours = relationship(
        "OpeningHours",
        back_populates="service",
        cascade="all, delete-orphan",
        order_by="(OpeningHours.day_kind, OpeningHours.day, OpeningHours.opens_min)",
    )
    contacts = relationship(
        "Contact", back_populates="service", cascade="all, delete-orphan", order_by="Contact.position"
    )

    @property
    def channel_codes(self) -> list[str]:
        return sorted((c.channel for c in self.channels), key=CHANNELS.index)

    @property
    def category_codes(self) -> list[str]:
        extra = sorted(c.category for c in self.categories if c.category != self.category)
        return [self.category, *extra]


class ServiceCategory(Base):
    """All categories a service is listed under (the primary one included)."""

    __tablename__ = "service_categories"
    __table_args__ = (CheckConstraint(_in("category", CATEGORIES), name="category"),)

    service_id = Column(Integer, ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    category = Column(String(20), primary_key=True)
    service = relationship("Service", back_populates="categories")


class ServiceChannel(Base):
    __tablename__ = "service_channels"
    __table_args__ = (CheckConstraint(_in("channel", CHANNELS), name="channel"),)

    service_id = Column(Integer, ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    channel = Column(String(12), primary_key=True)
    service = relationship("Service", back_populates="channels")


class OpeningHours(Base):
    """One opening span in minutes from the day's midnight; closes may pass 24:00 (overnight).

    day_kind 'weekday' (day 0=Mon..6=Sun), 'monthday' (day 1..31, added to the
    weekly hours, e.g. いのちの電話 on the 10th) or 'holiday' (special holiday hours).
    """

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint(_in("day_kind", DAY_KINDS), name="day_kind"),
        CheckConstraint("opens_min >= 0 AND opens_min < 1440", name="opens"),
        CheckConstraint("closes_min > opens_min AND closes_min <= opens_min + 1440", name="closes"),
    )

    id = Column(Integer, primary_key=True)
    service_id = Column(Integer, ForeignKey("services.id", ondelete="CASCADE"), nullable=False)
    day_kind = Column(String(10), nullable=False)
    day = Column(Integer, nullable=True)
    opens_min = Column(Integer, nullable=False)
    closes_min = Column(Integer, nullable=False)
    service = relationship("Service", back_populates="hours")


class Contact(ProvenanceMixin, Base):
    """A way to reach an organisation or a service (exactly one owner)."""

    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint(_in("kind", CONTACT_KINDS), name="kind"),
        CheckConstraint(_in("confidence", CONFIDENCE), name="confidence"),
        CheckConstraint("(organisation_id IS NULL) <> (service_id IS NULL)", name="one_owner"),
    )

    id = Column(Integer, primary_key=True)
    organisation_id = Column(Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=True)
    service_id = Column(Integer, ForeignKey("services.id", ondelete="CASCADE"), nullable=True)
    position = Column(Integer, nullable=False, default=0)
    kind = Column(String(10), nullable=False)
    label = Column(String(200), nullable=True)  # e.g. 「23区内から」「大崎第一地域センター（代表）」
    value = Column(String(300), nullable=False)

    organisation = relationship("Organisation", back_populates="contacts")
    service = relationship("Service", back_populates="contacts")


class DirectoryMeta(Base):
    """Single-row revision counter, bumped on every directory write (cache key)."""

    __tablename__ = "directory_meta"

    id = Column(Integer, primary_key=True)
    revision = Column(Integer, nullable=False, default=0)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)


class CrisisEvent(Base):
    """Aggregate count of crisis detections. No message text, no user id, by design."""

    __tablename__ = "crisis_events"
    __table_args__ = (
        UniqueConstraint("event_date", "hour", "channel", name="uq_crisis_events_slot"),
        CheckConstraint("hour >= 0 AND hour < 24", name="hour"),
        CheckConstraint("count >= 0", name="count"),
    )

    id = Column(Integer, primary_key=True)
    event_date = Column(Date, nullable=False)  # Tokyo date
    hour = Column(Integer, nullable=False)  # Tokyo hour 0..23
    channel = Column(String(32), nullable=False)
    count = Column(Integer, nullable=False, default=0)


class InsightEvent(Base):
    """Aggregate count of what residents asked for, for the ward's monthly report.

    One row is a bucket (Tokyo date, hour of week, what kind of event and its
    coded answers) with a count. There is no message text, no sender or
    conversation id and no time finer than the hour, so nothing links two
    events to one person. Empty string means "not asked" (never NULL, so the
    bucket key stays unique).
    """

    __tablename__ = "insight_events"
    __table_args__ = (
        UniqueConstraint(
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
        CheckConstraint("hour_of_week >= 0 AND hour_of_week < 168", name="hour_of_week"),
        CheckConstraint("count >= 0", name="count"),
    )

    id = Column(Integer, primary_key=True)
    event_date = Column(Date, nullable=False)  # Tokyo date
    hour_of_week = Column(Integer, nullable=False)  # Monday 0時 = 0 ... Sunday 23時 = 167 (Tokyo)
    kind = Column(String(16), nullable=False)  # search / listening / faq / gentle_check
    input_channel = Column(String(32), nullable=False)
    route = Column(String(20), nullable=False, default="")  # directory category searched
    channel_answer = Column(String(12), nullable=False, default="")
    time_answer = Column(String(12), nullable=False, default="")
    fitted = Column(Integer, nullable=False, default=0)  # services that fitted (capped)
    none_open = Column(Boolean, nullable=False, default=False)  # some fitted the need, none the time
    topic = Column(String(32), nullable=False, default="")  # FAQ intent
    count = Column(Integer, nullable=False, default=0)


class InsightServiceShown(Base):
    """How often each service was shown, per Tokyo date, route and input channel (counts only)."""

    __tablename__ = "insight_services_shown"
    __table_args__ = (
        UniqueConstraint(
            "event_date", "route", "input_channel", "service_key", name="uq_insight_services_shown_bucket"
        ),
        CheckConstraint("count >= 0", name="count"),
    )

    id = Column(Integer, primary_key=True)
    event_date = Column(Date, nullable=False)
    route = Column(String(20), nullable=False)
    input_channel = Column(String(32), nullable=False)
    service_key = Column(String(80), nullable=False)  # a key, not a foreign key: counts outlive services
    count = Column(Integer, nullable=False, default=0)


Index("ix_opening_hours_service_id", OpeningHours.service_id)
Index("ix_contacts_service_id", Contact.service_id)
Index("ix_contacts_organisation_id", Contact.organisation_id)
Index("ix_service_categories_category", ServiceCategory.category, ServiceCategory.service_id)
Index("ix_services_public_category", Service.public, Service.category)
Index("ix_insight_events_event_date", InsightEvent.event_date)
Index("ix_insight_services_shown_event_date", InsightServiceShown.event_date)

__all__ = [
    "Base",
    "Organisation",
    "Service",
    "ServiceCategory",
    "ServiceChannel",
    "OpeningHours",
    "Contact",
    "DirectoryMeta",
    "CrisisEvent",
    "InsightEvent",
    "InsightServiceShown",
]
