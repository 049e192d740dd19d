"""An applicant tries to learn who reviewed their proposal, and must fail.

The world is built through the review and selection actions: three reviewers from three
organisations that have nothing else to do with the proposal score it at the written
stage, a manager funds it and releases the feedback. The applicant (the proposal's lead)
then reads every page and API answer open to them, guesses review and assignment ids, and
reads every e-mail sent to them. Nothing may carry a reviewer's username, display name,
e-mail address, organisation or pseudonym code, and the order in which reviews are shown
must follow the random pseudonyms, not the time of writing or the reviewer's id.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from dure.accounts.actions import do_create_api_token
from dure.organisations.models import OrgKind
from dure.programmes.workflow import CallStatus, StageKind
from dure.review import actions as review_actions
from dure.review.actions import (
    ReviewInput,
    check_assign_reviewer,
    check_save_review,
    do_release_feedback,
)
from dure.review.models import Review, ReviewerPseudonym
from dure.review.tests.builders import make_proposal, pass_until
from dure.selection.actions import check_record_funding_decision
from dure.testing import factories as f

pytestmark = pytest.mark.django_db

# Reviewer i gets pseudonym CODES[i]: shown order (by pseudonym) is reviewer 2, 0, 1,
# reviews are written in the order 1, 0, 2, and reviewer ids ascend 0, 1, 2, so the three
# orders differ and the page can only match the pseudonym order by following it.
CODES = ["R-7C1D", "R-E2B9", "R-05AF"]
WRITE_ORDER = [1, 0, 2]
NAMES = [("seoyeon.park", "Park Seo-yeon", "Hanbit Ceramics Institute", "한빛세라믹연구원"),
         ("minjun.choi", "Choi Min-jun", "Daewon Precision Works", "대원정밀"),
         ("hana.lee", "Lee Ha-na", "Gwangmyeong Photonics Lab", "광명포토닉스")]


@dataclass
class Attack:
    applicant: object
    proposal: object
    reviewers: list
    assignments: list
    secrets: dict[str, str]  # secret text -> what it is
    comments: list[str]  # comment of reviewer i


@pytest.fixture
def attack(django_capture_on_commit_callbacks) -> Attack:
    manager = f.make_manager()
    call = f.make_call(status=CallStatus.CLOSED)
    applicant = f.make_research_user()
    proposal = make_proposal(call, lead_user=applicant)
    pass_until(manager, call, [proposal], StageKind.WRITTEN)
    written = call.stages.get(kind=StageKind.WRITTEN)
    reviewers, secrets = [], {}
    for username, display, org_en, org_ko in NAMES:
        org = f.make_org(OrgKind.UNIVERSITY, name=org_en)
        org.name_ko = org_ko
        org.save(update_fields=["name_ko"])
        r = f.make_reviewer(org, username=username)
        r.display_name, r.email = display, f"{username}@{org_en.split()[0].lower()}.example.kr"
        r.save(update_fields=["display_name", "email"])
        reviewers.append(r)
        secrets.update({username: "username", display: "display name", r.email: "e-mail",
                        org_en: "organisation", org_ko: "organisation"})
    codes = iter(CODES)
    with mock.patch.object(review_actions, "_new_code", lambda: next(codes)):
        assignments = [check_assign_reviewer(manager, written, proposal, r) for r in reviewers]
    assert [ReviewerPseudonym.objects.get(stage=written, reviewer=r).code for r in reviewers] == CODES
    secrets.update({code: "pseudonym" for code in CODES})
    criteria = list(written.criteria.order_by("order"))
    comments = [f"Comment number {i}: the {['pilot line', 'cost model', 'test plan'][i]} needs work." for i in range(3)]
    for i in WRITE_ORDER:
        check_save_review(reviewers[i], assignments[i], ReviewInput(
            scores={c.pk: Decimal("6.1") + i for c in criteria}, confidence=3 + i % 2,
            comment_to_applicant=comments[i], question_to_applicant="", submit=True))
    pass_until(manager, call, [proposal], StageKind.COMMITTEE)
    with django_capture_on_commit_callbacks(execute=True):
        check_record_funding_decision(manager, proposal, True, "Ranked above the funding line.")
        do_release_feedback(manager, call)
    return Attack(applicant, proposal, reviewers, assignments, secrets, comments)


def _leaks(text: str, secrets: dict[str, str], skip: tuple[str, ...] = ()) -> list[str]:
    haystack = html.unescape(text).lower()
    try:  # JSON escapes non-ASCII (\uXXXX): read it back
        haystack += json.dumps(json.loads(text), ensure_ascii=False).lower()
    except ValueError:
        pass
    return [f"{kind} {s!r}" for s, kind in secrets.items() if kind not in skip and s.lower() in haystack]


def test_feedback_page_shows_reviews_in_pseudonym_order_without_identities(client, attack):
    client.force_login(attack.applicant)
    page = client.get(reverse("proposal-feedback", args=[attack.proposal.pk]) + "?lang=en")
    assert page.status_code == 200
    body = page.content.decode()
    assert _leaks(body, attack.secrets) == []
    positions = [body.index(c) for c in attack.comments]
    shown = sorted(range(3), key=lambda i: positions[i])
    by_pseudonym = sorted(range(3), key=lambda i: CODES[i])
    assert shown == by_pseudonym == [2, 0, 1]
    assert shown != WRITE_ORDER and shown != sorted(range(3), key=lambda i: attack.reviewers[i].pk)


def test_every_page_open_to_the_applicant_is_free_of_reviewer_identities(client, attack):
    client.force_login(attack.applicant)
    pages = [reverse("my-proposals"), reverse("proposal-detail", args=[attack.proposal.pk]),
             reverse("proposal-feedback", args=[attack.proposal.pk]), reverse("calls"), reverse("programme"),
             reverse("call-detail", args=[attack.proposal.call_id]), reverse("portal")]
    for lang, url in itertools.product(["en", "ko"], pages):
        response = client.get(url, {"lang": lang})
        assert response.status_code == 200, url
        assert _leaks(response.content.decode(), attack.secrets) == [], url


def test_every_api_answer_is_free_of_reviewer_identities(attack):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {do_create_api_token(attack.applicant, 'curious')}")
    pid, call_id = attack.proposal.pk, attack.proposal.call_id
    answers = {url: api.get(url) for url in [
        "/api/proposals", f"/api/proposals/{pid}", f"/api/proposals/{pid}/receipts", "/api/programme",
        "/api/programme/calls", f"/api/programme/calls/{call_id}", "/api/public/summary"]}
    for url, response in answers.items():
        assert response.status_code in (200, 404), url
        assert _leaks(response.content.decode(), attack.secrets) == [], url
    # The organisation directory lists every organisation by design (reviewers' included,
    # without any link to a review): no person and no pseudonym may appear in it.
    for q in ["", *[n[0] for n in NAMES], *[n[2] for n in NAMES], "R-"]:
        response = api.get("/api/organisations", {"q": q, "limit": 100})
        assert response.status_code == 200
        assert _leaks(response.content.decode(), attack.secrets, skip=("organisation",)) == [], q


def _normalised(response, url: str) -> bytes:
    body = response.content.replace(url.encode(), b"URL")
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b'name="csrfmiddlewaretoken" value="T"', body)


PROBES = [("review-edit", "get"), ("review-edit", "post"), ("declare-conflict", "post"),
          ("unseal-detail", "get"), ("unseal-witness", "post")]


def test_guessed_review_and_assignment_ids_answer_exactly_like_missing_ones(client, attack):
    client.force_login(attack.applicant)
    real = sorted({a.pk for a in attack.assignments} | set(Review.objects.values_list("pk", flat=True)))
    missing = max(real) + 1000
    for url_name, method in PROBES:
        url_of = {i: reverse(url_name, args=[i]) for i in [*real, missing]}
        answers = {i: getattr(client, method)(url) for i, url in url_of.items()}
        reference = answers[missing]
        assert reference.status_code == 404, url_name
        for i in real:
            assert answers[i].status_code == 404, (url_name, i)
            # The page may name the URL asked for, and the logout form carries a fresh CSRF
            # token on every response; apart from those, every byte is the same.
            assert _normalised(answers[i], url_of[i]) == _normalised(reference, url_of[missing]), (url_name, i)
            assert sorted(answers[i].headers) == sorted(reference.headers), (url_name, i)


def test_mail_to_the_applicant_names_no_reviewer(attack):
    sent = [m for m in mail.outbox if attack.applicant.email in m.to]
    assert sent, "the applicant gets the decision by e-mail"
    for m in sent:
        text = m.subject + "\n" + m.body + "".join(str(a[0]) for a in getattr(m, "alternatives", []))
        assert _leaks(text, attack.secrets) == [], m.subject
