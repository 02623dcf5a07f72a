"""Database <-> records for the directory import/export, driven by `fields.py`.

Writes happen in the caller's single transaction and are idempotent upserts
keyed by the stable `key` of each organisation and service (rows that did not
change are counted as unchanged).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import fields as F
from . import validation
from .fields import Field
from .hours import format_hours_spec, parse_hours_spec
from .models import (
    Contact,
    OpeningHours,
    Organisation,
    Service,
    ServiceCategory,
    ServiceChannel,
)
from .repository import bump_revision, refresh_visibility

Progress = Callable[[int, int], None]


def _get(obj: Any, f: Field) -> Any:
    if f.kind == "date":
        return validation.format_source_date(getattr(obj, f.model_attr), getattr(obj, f.precision_attr))
    value = getattr(obj, f.model_attr)
    if f.kind == "flag":
        return bool(value)
    if f.kind == "languages":
        return [lang for lang in (value or ",".join(f.default)).split(",") if lang]
    return f.default if value is None and f.default is not None else value


def _put(obj: Any, f: Field, value: Any) -> None:
    if f.kind == "date":
        day, precision = validation.parse_source_date(value)
        setattr(obj, f.model_attr, day)
        setattr(obj, f.precision_attr, precision)
    elif f.kind == "languages":
        setattr(obj, f.model_attr, ",".join(value))
    else:
        setattr(obj, f.model_attr, value)


def _plain(fields: tuple[Field, ...]) -> tuple[Field, ...]:
    """Fields stored in a model attribute of their own (the rest is written below)."""
    return tuple(f for f in fields if f.model_attr is not None)


def _to_record(obj: Any, fields: tuple[Field, ...]) -> dict:
    return {f.name: _get(obj, f) for f in _plain(fields)}


def _apply(obj: Any, rec: dict, fields: tuple[Field, ...]) -> None:
    for f in _plain(fields):
        _put(obj, f, rec[f.name])


def _contact_record(c: Contact) -> dict:
    return _to_record(c, F.CONTACT)


def organisation_to_record(org: Organisation) -> dict:
    rec = _to_record(org, F.ORGANISATION)
    rec["contacts"] = [_contact_record(c) for c in org.contacts]
    return rec


def service_to_record(s: Service) -> dict:
    rec = _to_record(s, F.SERVICE)
    rows = [(h.day_kind, h.day, h.opens_min, h.closes_min) for h in s.hours]
    rec.update(
        organisation=s.organisation.key,
        also=sorted(c.category for c in s.categories if c.category != s.category),
        channels=s.channel_codes,
        hours={"spec": format_hours_spec(s.hours_type, rows), **_to_record(s, F.HOURS)},
        contacts=[_contact_record(c) for c in s.contacts],
    )
    return rec


def _new_contacts(items: list[dict]) -> list[Contact]:
    out = []
    for pos, rec in enumerate(items):
        contact = Contact(position=pos)
        _apply(contact, rec, F.CONTACT)
        out.append(contact)
    return out


def _apply_org(org: Organisation, rec: dict) -> None:
    _apply(org, rec, F.ORGANISATION)
    org.contacts = _new_contacts(rec["contacts"])


def _apply_service(s: Service, rec: dict, org: Organisation) -> None:
    _apply(s, rec, F.SERVICE)
    s.organisation = org
    # Association rows have natural keys: sync them instead of delete+insert of the same key.
    wanted = {rec["category"], *rec["also"]}
    s.categories = [c for c in s.categories if c.category in wanted] + [
        ServiceCategory(category=c) for c in sorted(wanted - {c.category for c in s.categories})
    ]
    wanted = set(rec["channels"])
    s.channels = [c for c in s.channels if c.channel in wanted] + [
        ServiceChannel(channel=c) for c in sorted(wanted - {c.channel for c in s.channels})
    ]
    hours = rec["hours"]
    _apply(s, hours, F.HOURS)
    s.hours_type, rows = parse_hours_spec(hours["spec"])
    s.hours = [OpeningHours(day_kind=k, day=d, opens_min=o, closes_min=c) for k, d, o, c in rows]
    s.contacts = _new_contacts(rec["contacts"])


def _service_options():
    return (
        selectinload(Service.organisation),
        selectinload(Service.categories),
        selectinload(Service.channels),
        selectinload(Service.hours),
        selectinload(Service.contacts),
    )


def import_batch(
    session: Session, batch: validation.ImportBatch, progress: Progress | None = None
) -> validation.ImportSummary:
    """Upsert a validated batch inside the caller's transaction."""
    summary = validation.ImportSummary()
    org_keys = {o["key"] for o in batch.organisations} | {s["organisation"] for s in batch.services}
    orgs = {
        o.key: o
        for o in session.execute(
            select(Organisation).where(Organisation.key.in_(org_keys)).options(selectinload(Organisation.contacts))
        ).scalars()
    }
    missing = sorted({s["organisation"] for s in batch.services} - set(orgs) - {o["key"] for o in batch.organisations})
    if missing:
        raise validation.ImportValidationError(
            [validation.ImportIssue("ファイル", f"団体がありません: {', '.join(missing)}")]
        )
    service_keys = [s["key"] for s in batch.services]
    existing = {
        s.key: s
        for s in session.execute(
            select(Service).where(Service.key.in_(service_keys)).options(*_service_options())
        ).scalars()
    }
    total = len(batch.organisations) + len(batch.services)
    done = 0
    for rec in batch.organisations:
        org = orgs.get(rec["key"])
        if org is None:
            org = Organisation()
            _apply_org(org, rec)
            session.add(org)
            orgs[rec["key"]] = org
            summary.organisations_created += 1
        elif organisation_to_record(org) == rec:
            summary.organisations_unchanged += 1
        else:
            _apply_org(org, rec)
            summary.organisations_updated += 1
        done += 1
        if progress:
            progress(done, total)
    session.flush()
    for rec in batch.services:
        service = existing.get(rec["key"])
        org = orgs[rec["organisation"]]
        if service is None:
            service = Service(categories=[], channels=[])
            _apply_service(service, rec, org)
            session.add(service)
            summary.services_created += 1
        elif service_to_record(service) == rec:
            summary.services_unchanged += 1
        else:
            _apply_service(service, rec, org)
            summary.services_updated += 1
        done += 1
        if progress:
            progress(done, total)
        if done % 200 == 0:
            session.flush()
    session.flush()
    _, summary.public_services = refresh_visibility(session, bump=False)
    if summary.changed:
        bump_revision(session)
    return summary


def export_records(session: Session) -> validation.ImportBatch:
    orgs = (
        session.execute(select(Organisation).options(selectinload(Organisation.contacts)).order_by(Organisation.key))
        .scalars()
        .all()
    )
    services = (
        session.execute(
            select(Service)
            .join(Service.organisation)
            .options(*_service_options())
            .order_by(Organisation.key, Service.key)
        )
        .scalars()
        .all()
    )
    return validation.ImportBatch([organisation_to_record(o) for o in orgs], [service_to_record(s) for s in services])
