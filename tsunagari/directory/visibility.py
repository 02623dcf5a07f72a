"""What residents may see: the rules behind every `public` flag and every card.

verified facts are shown; partly facts only together with their date;
unverified facts never. A service (or organisation) that residents could
not reach through any shown contact is hidden. Pure functions over the
models, used by the repository (which stores the flags), the snapshot
(which filters contacts and hours) and the CLI (which explains to staff).
"""

from __future__ import annotations

from datetime import date

from .models import Contact, Organisation, Service


def fact_showable(confidence: str, verified_on: date | None) -> bool:
    """verified facts are shown; partly facts only with a date; unverified never."""
    if confidence == "verified":
        return True
    return confidence == "partly" and verified_on is not None


def contact_showable(contact: Contact) -> bool:
    return fact_showable(contact.confidence, contact.verified_on)


def service_hidden_reasons(service: Service) -> list[str]:
    """Why a service is not shown to residents (empty list = shown). Japanese, for staff."""
    reasons = []
    if service.hidden:
        reasons.append(service.hidden_reason or "スタッフが非表示に設定")
    org = service.organisation
    if org is not None and org.hidden:
        reasons.append(f"団体が非表示: {org.hidden_reason or 'スタッフが非表示に設定'}")
    if service.confidence == "unverified":
        reasons.append("窓口そのものが未確認")
    if not any(contact_showable(c) for c in service.contacts):
        reasons.append("住民に表示できる連絡先がない（確認済み、または日付のある一部確認の連絡先が必要）")
    return reasons


def organisation_hidden_reasons(org: Organisation) -> list[str]:
    reasons = []
    if org.hidden:
        reasons.append(org.hidden_reason or "スタッフが非表示に設定")
    reachable = any(contact_showable(c) for c in org.contacts) or any(
        not service_hidden_reasons(s) for s in org.services
    )
    if not reachable:
        reasons.append("住民に表示できる連絡手段がない")
    return reasons
