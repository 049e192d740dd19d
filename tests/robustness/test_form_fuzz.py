"""Generated POST data for the main HTML forms: never a server error, never a partial write.

For each form a valid post is mutated: fields replaced by arbitrary text (Korean, control
characters, NUL), numbers of every size, decimals with NaN and infinities, huge strings,
several values for one field, unknown fields, and fields left out. The Django test client
re-raises any exception a view lets escape, so a 500 fails the test. A refused post (400)
must change nothing: the row counts of every model, the audit log, and the edited object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dure.agreements.actions import (
    IPTermsInput,
    check_save_ip_terms,
    check_sign_agreement,
    do_draft_agreement,
)
from dure.agreements.tests.builders import make_selected_proposal
from dure.outcomes.models import OutcomeReport
from dure.programmes.workflow import CallStatus, StageKind
from dure.proposals.models import Proposal
from dure.proposals.tests.helpers import create, make_world
from dure.review.actions import check_assign_reviewer
from dure.review.models import Review
from dure.review.tests.builders import make_proposal, pass_until
from dure.testing import factories as f

EXAMPLES_PER_FORM = 30

HUGE = ["가" * 300_000, "x" * 1_000_000, "9" * 5_000]
junk = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1, max_size=40),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp"]), min_size=1, max_size=10),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.sampled_from(["", " ", "0", "-0", "1e400", "NaN", "١٢", "０", "\x00", "on", "true", "<script>x</script>",
                     "2026-02-30T25:61", "'; DROP TABLE x; --", *HUGE]),
    st.lists(st.text(max_size=8), min_size=2, max_size=3),  # one field sent several times
)


@dataclass
class FormCase:
    user: object
    url: str
    valid: dict
    state: Callable[[], object]  # what a refused post must leave unchanged besides row counts


def _rows() -> tuple:
    return tuple(m._default_manager.count() for m in apps.get_models() if m._meta.managed and not m._meta.proxy)


def _call_create(client) -> FormCase:
    track = f.make_track()
    valid = {
        "track": track.pk, "name_ko": "반도체 패키징 공고", "name_en": "Packaging call", "description": "",
        "opens_at": "2026-12-01T09:00", "deadline": "2027-01-15T18:00", "grace_seconds": "0", "first_year": "2027",
        "duration_years": "3", "max_budget_per_year_krw": "2000000000", "min_members": "2", "max_members": "6",
        "requires_company": "on", "requires_ip_plan": "on", "reviewers_per_proposal": "3",
    }
    return FormCase(f.make_manager(), reverse("call-create"), valid, lambda: None)


def _proposal_create(client) -> FormCase:
    world = make_world(international=True)
    return FormCase(world.lead, reverse("proposal-create", args=[world.call.pk]), world.form(), lambda: None)


def _proposal_edit(client) -> FormCase:
    world = make_world(international=True)
    proposal = create(client, world)

    def state():
        p = Proposal.objects.get(pk=proposal.pk)
        return (p.title, p.abstract, p.plain_summary, p.ip_licence_plan, p.cooperation_need, p.version,
                sorted(p.members.values_list("organisation_id", "role", "budget_share_pct")),
                sorted(p.budget_years.values_list("year", "amount_krw")))

    return FormCase(world.lead, reverse("proposal-edit", args=[proposal.pk]), world.form(), state)


def _review(client) -> FormCase:
    manager = f.make_manager()
    call = f.make_call(status=CallStatus.CLOSED)
    proposal = make_proposal(call)
    pass_until(manager, call, [proposal], StageKind.WRITTEN)
    written = call.stages.get(kind=StageKind.WRITTEN)
    reviewer = f.make_reviewer()
    assignment = check_assign_reviewer(manager, written, proposal, reviewer)
    valid = {f"criterion_{c.pk}": "7.5" for c in written.criteria.all()}
    valid.update(confidence="4", comment_to_applicant="A credible plan.", question_to_applicant="")

    def state():
        r = Review.objects.filter(stage=written, proposal=proposal).first()
        if r is None:
            return None
        return (r.revision, r.confidence, r.comment_to_applicant, r.is_submitted,
                sorted(r.scores.values_list("criterion_id", "score")))

    return FormCase(reviewer, reverse("review-edit", args=[assignment.pk]), valid, state)


def _outcome_report(client) -> FormCase:
    manager = f.make_manager()
    member = f.make_company_user()
    proposal = make_selected_proposal(company=member.organisation)
    agreement = do_draft_agreement(manager, proposal)
    check_save_ip_terms(manager, agreement, IPTermsInput("Shared", member.organisation, "Licence to practise in Korea"))
    agreement = check_sign_agreement(manager, agreement)
    valid = {"year": timezone.now().year, "papers": 3, "patents": 2, "licences": 1, "transfer_fee_krw": 50_000_000,
             "revenue_krw": 200_000_000, "jobs": 4, "note": ""}

    def state():
        return sorted(OutcomeReport.objects.filter(agreement=agreement).values_list(
            "year", "papers", "patents", "licences", "transfer_fee_krw", "revenue_krw", "jobs", "note"))

    return FormCase(member, reverse("outcome-report", args=[agreement.pk]), valid, state)


def _comment(client) -> FormCase:
    return FormCase(f.make_citizen(), reverse("portal-comment"), {"body": "When are the results published?"},
                    lambda: None)


FORMS = {"call create": _call_create, "proposal create": _proposal_create, "proposal edit": _proposal_edit,
         "review": _review, "outcome report": _outcome_report, "comment": _comment}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(FORMS))
def test_generated_posts_never_fail_and_refused_posts_change_nothing(client, name):
    case = FORMS[name](client)
    client.force_login(case.user)
    assert client.post(case.url, case.valid).status_code == 302, f"the valid {name} post is refused"
    fields = sorted(case.valid) + ["unexpected_field", "csrfmiddlewaretoken"]
    outcomes = {302: 0, 400: 0}

    @settings(max_examples=EXAMPLES_PER_FORM, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(changes=st.dictionaries(st.sampled_from(fields), junk, max_size=5),
           dropped=st.sets(st.sampled_from(sorted(case.valid)), max_size=3))
    def post(changes, dropped):
        data = {k: v for k, v in {**case.valid, **changes}.items() if k not in dropped}
        rows, state = _rows(), case.state()
        response = client.post(case.url, data)
        assert response.status_code in (302, 400), (response.status_code, data)
        outcomes[response.status_code] += 1
        if response.status_code == 400:
            assert _rows() == rows, f"a refused {name} post changed row counts"
            assert case.state() == state, f"a refused {name} post changed the stored object"
            assert response.context["form"].errors, "refused without saying why"

    post()
    assert outcomes[400] > 0, outcomes  # the generator does reach the refusals
