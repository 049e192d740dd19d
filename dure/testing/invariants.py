"""Rules the database must satisfy after any sequence of actions.

The test suite checks them after every database test (conftest.py), so a test that leaves
the system in a state no user should ever see fails even if its own assertions passed.
"""

from __future__ import annotations

from django.db.models import F


def check_invariants() -> list[str]:
    from dure.agreements.models import Agreement, AgreementStatus
    from dure.audit.actions import verify_audit_chain
    from dure.programmes.models import TrackBudget
    from dure.review.models import Assignment, Review, ReviewerPseudonym

    problems: list[str] = []
    chain = verify_audit_chain()
    if not chain.ok:
        problems.append(f"audit chain broken: {chain.message}")

    over = TrackBudget.objects.filter(committed_krw__gt=F("amount_krw")) | TrackBudget.objects.filter(committed_krw__lt=0)
    for b in over:
        problems.append(f"track budget {b.track_id}/{b.year} committed {b.committed_krw} of {b.amount_krw}")

    for a in Assignment.objects.select_related("reviewer__organisation", "proposal"):
        org = a.reviewer.organisation
        if org is None:
            continue
        member_orgs = set(a.proposal.members.values_list("organisation_id", flat=True))
        member_orgs |= set(a.proposal.consortium.members.values_list("organisation_id", flat=True))
        if org.family_ids() & member_orgs:
            problems.append(f"assignment {a.pk}: reviewer from a consortium member's organisation")

    known = set(ReviewerPseudonym.objects.values_list("stage_id", "code"))
    for stage_id, code in Review.objects.values_list("stage_id", "pseudonym"):
        if (stage_id, code) not in known:
            problems.append(f"review under unknown pseudonym {code} in stage {stage_id}")

    for ag in Agreement.objects.filter(status=AgreementStatus.SIGNED, proposal__foreign_partner__isnull=False):
        terms = getattr(ag, "ip_terms", None)
        if terms is None or not terms.grants_korean_licence:
            problems.append(f"agreement {ag.pk}: international and signed without a Korean company's licence")
    return problems
