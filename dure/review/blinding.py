"""What a reviewer reads at a blind stage: the proposal with its consortium redacted.

Known names come from the records (member organisations with their Korean and English
names, acronyms and aliases; the lead's name, user name and e-mail); e-mail addresses and
web addresses are removed by pattern. When :mod:`dure.core.redaction` is installed its
``Redactor`` does the work; otherwise the simple replacement below is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dure.proposals.models import Proposal

MASK = "[…]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)


@dataclass(frozen=True)
class BlindProposal:
    title: str
    abstract: str
    ip_licence_plan: str
    cooperation_need: str


def known_names(proposal: Proposal) -> list[str]:
    from dure.review.selectors import consortium_organisations

    names: set[str] = set()
    for org in consortium_organisations(proposal):
        names.update(n for n in (org.name_en, org.name_ko, org.acronym, *(org.aliases or [])) if n)
    if proposal.foreign_partner_id:
        fp = proposal.foreign_partner
        names.update(n for n in (fp.name_en, fp.name_ko, fp.acronym, *(fp.aliases or [])) if n)
    lead = proposal.lead_user
    names.update(n for n in (lead.display_name, lead.username, lead.email, lead.first_name, lead.last_name) if n)
    names.add(proposal.consortium.name)
    # Longest first so that "KIST Europe" goes before "KIST"; very short names are left alone.
    return sorted((n for n in names if len(n.strip()) >= 2), key=len, reverse=True)


def _simple_redact(text: str, names: list[str]) -> str:
    text = _EMAIL.sub(MASK, text)
    text = _URL.sub(MASK, text)
    for name in names:
        text = re.sub(re.escape(name), MASK, text, flags=re.IGNORECASE)
    return text


def _redactor(names: list[str]):
    try:
        from dure.core.redaction import Redactor  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        return Redactor(names)
    except (TypeError, ValueError):
        return None


def redact(text: str, names: list[str]) -> str:
    redactor = _redactor(names)
    if redactor is not None:
        for method in ("redact", "__call__"):
            fn = getattr(redactor, method, None)
            if fn is not None:
                result = fn(text)
                # The simple pass runs as well: known names never slip through.
                return _simple_redact(str(getattr(result, "text", result)), names)
    return _simple_redact(text, names)


def blind_view(proposal: Proposal) -> BlindProposal:
    names = known_names(proposal)
    return BlindProposal(
        title=redact(proposal.title, names),
        abstract=redact(proposal.abstract, names),
        ip_licence_plan=redact(proposal.ip_licence_plan, names),
        cooperation_need=redact(proposal.cooperation_need, names),
    )
