"""Every role against every page and API endpoint, on the whole demo programme.

For each URL the views declare which roles may use them (``role_required``); this test
derives the expectations from those declarations, so a new page is covered the day it is
added, and a page that declares no roles fails unless it is meant to be public. It checks:

- nobody ever gets a server error or a 403 (forbidden and not found look the same: 404);
- a role not allowed gets 404 (or, signed out, the login page), and a POST by it changes nothing;
- a person of an unrelated organisation gets 404 on another organisation's objects;
- no page or API answer seen by an applicant, a citizen or nobody contains a reviewer's
  name, username, e-mail or pseudonym.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from dure.accounts.models import Role, User
from dure.audit.models import AuditEvent
from dure.organisations.models import OrgKind
from dure.testing import factories as f

PUBLIC_VIEWS = {"home", "login", "logout", "portal", "portal-plotly-js",
                # section roots only redirect to the section's first page, which checks the role
                "partners-start", "review-start", "expertise-start", "selection-start", "outcomes-start"}
SKIP_PREFIXES = ("django-admin", "api/", "static/", "media/")
# Object pages that every user of an allowed role may open (not owned by one organisation).
SHARED_OBJECT_VIEWS = {"call-detail", "demand-detail", "proposal-create", "testbed-detail", "testbed-book"}
APPLICANT_USERNAMES = ("company", "company_large", "research", "research2", "foreign")


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _param_values(ctx) -> dict[str, int]:
    """An existing object for each URL parameter, from the demo programme."""
    from dure.agreements.models import Agreement
    from dure.partners.models import Demand, JointResearchOffer
    from dure.portal.models import Comment
    from dure.programmes.models import Call, Stage
    from dure.proposals.models import Attachment, Proposal, Submission
    from dure.review.models import Assignment, Conflict, UnsealRequest

    reviewed = Proposal.objects.filter(reviews__is_submitted=True).order_by("pk").first()
    values = {
        "call_id": Call.objects.order_by("pk").first().pk,
        "programme_id": Call.objects.order_by("pk").first().programme_id,
        "stage_id": Stage.objects.filter(kind="written").order_by("pk").first().pk,
        "proposal_id": reviewed.pk,
        "version": Submission.objects.filter(proposal=reviewed).order_by("version").first().version,
        "agreement_id": Agreement.objects.order_by("pk").first().pk,
        "demand_id": Demand.objects.order_by("pk").first().pk,
        "offer_id": JointResearchOffer.objects.order_by("pk").first().pk,
        "consortium_id": reviewed.consortium_id,
        "assignment_id": Assignment.objects.filter(proposal=reviewed).order_by("pk").first().pk,
        "comment_id": Comment.objects.order_by("pk").first().pk,
    }
    optional = {
        "conflict_id": Conflict.objects.order_by("pk").first(),
        "request_id": UnsealRequest.objects.order_by("pk").first(),
        "attachment_id": Attachment.objects.filter(proposal=reviewed).first(),
    }
    values.update({k: v.pk for k, v in optional.items() if v is not None})
    values["person_id"] = User.objects.get(username="reviewer1").pk
    run = apps.get_model("expertise.AssignmentRun").objects.order_by("pk").first()
    if run is not None:
        values["run_id"] = run.pk
    for model_label, param in (("testbeds.Testbed", "testbed_id"), ("testbeds.Slot", "slot_id"),
                               ("testbeds.Booking", "booking_id")):
        try:
            model = apps.get_model(model_label)
        except LookupError:
            continue
        obj = model.objects.order_by("pk").first()
        if obj is not None:
            values[param] = obj.pk
    return values


def _add_objects_the_demo_lacks():
    """An unsealing request and an uploaded file, so their pages are in the matrix too."""
    from django.core.files.base import ContentFile

    from dure.proposals.models import Attachment, Proposal
    from dure.review.actions import check_request_unseal

    reviewed = Proposal.objects.filter(reviews__is_submitted=True).order_by("pk").first()
    check_request_unseal(User.objects.get(username="auditor"), reviewed, "Matrix test: complaint about a review.")
    from dure.expertise.actions import check_propose_assignment
    from dure.programmes.models import Stage

    stage = Stage.objects.filter(kind="written", is_closed=False).order_by("pk").first()
    check_propose_assignment(User.objects.get(username="manager"), stage, mode="optimal")
    pdf = b"%PDF-1.4 matrix"
    attachment = Attachment(proposal=reviewed, original_name="plan.pdf", content_type="application/pdf",
                            size=len(pdf), sha256="0" * 64)
    attachment.file.save("plan.pdf", ContentFile(pdf), save=False)
    attachment.save()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo programme, loaded once for this module and rolled back at its end."""
    from dure.demo.runner import load_demo

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            ctx = load_demo()
            _add_objects_the_demo_lacks()
            users = {u.username: u for u in User.objects.all()}
            users["outsider_company"] = f.make_company_user(kind=OrgKind.SME, username="outsider_company")
            users["outsider_research"] = f.make_research_user(username="outsider_research")
            yield {"ctx": ctx, "users": users, "params": _param_values(ctx)}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _urls(params):
    missing = set()
    for path, pattern in _walk(get_resolver().url_patterns):
        if path.startswith(SKIP_PREFIXES):
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", path)
        if any(n not in params for n in names):
            missing.update(n for n in names if n not in params)
            continue
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(params[m.group(1)]), path)
        yield url, pattern
    assert not missing, f"the matrix has no demo object for URL parameters {sorted(missing)}"


def _client_for(user) -> Client:
    c = Client(raise_request_exception=False)
    if user is not None:
        c.force_login(user)
    return c


def _reviewer_secrets() -> list[str]:
    from dure.review.models import ReviewerPseudonym

    secrets = []
    for u in User.objects.filter(role=Role.REVIEWER):
        secrets += [u.username + "@", u.email, u.display_name]
        if u.display_name:
            secrets.append(u.display_name.split(" (")[0])
    secrets += list(ReviewerPseudonym.objects.values_list("code", flat=True))
    return [s for s in secrets if s and len(s) >= 3]


_WATCHED = ("proposals.proposal", "proposals.submission", "review.assignment", "review.review",
            "review.conflict", "selection.decision", "agreements.agreement", "partners.consortium",
            "portal.comment", "programmes.call")


def _row_count() -> tuple[int, ...]:
    """Every action writes an audit event, so its count (with a few key tables) shows any write."""
    return tuple(apps.get_model(label).objects.count() for label in _WATCHED)


@pytest.mark.django_db
def test_every_role_on_every_page(demo):
    users = demo["users"]
    people = {"anonymous": None, **{name: users[name] for name in
              ("manager", "company", "research", "foreign", "reviewer1", "auditor", "citizen",
               "outsider_company", "outsider_research")}}
    secrets = _reviewer_secrets()
    assert len(secrets) > 20
    failures = []
    checked = 0
    for url, pattern in _urls(demo["params"]):
        view = pattern.callback
        allowed = getattr(view, "allowed_roles", None)
        if allowed is None and pattern.name not in PUBLIC_VIEWS:
            failures.append(f"{url} ({pattern.name}) declares no roles and is not a public page")
            continue
        for who, user in people.items():
            response = _client_for(user).get(url)
            checked += 1
            status = response.status_code
            if status >= 500 or status == 403:
                failures.append(f"{who} GET {url}: {status}")
                continue
            if status == 405:  # a POST-only action: the same answer whatever the object or person
                continue
            if allowed is not None:
                role_ok = user is not None and user.role in allowed
                if user is None and status not in (302, 404):
                    failures.append(f"anonymous GET {url}: {status}, expected the login page or 404")
                elif user is not None and not role_ok and status != 404:
                    failures.append(f"{who} ({user.role}) GET {url}: {status}, expected 404")
                elif (who.startswith("outsider") and role_ok and "<" in str(pattern.pattern)
                      and pattern.name not in SHARED_OBJECT_VIEWS and status not in (404, 405)):
                    failures.append(f"{who} GET another organisation's {url}: {status}, expected 404")
            if response.streaming:
                b"".join(response.streaming_content)
                continue
            applicant_side = user is None or user.username in APPLICANT_USERNAMES or user.role == Role.PUBLIC \
                or who.startswith("outsider")
            if applicant_side and status == 200 and response.get("Content-Type", "").startswith(("text/", "application/json")):
                body = response.content.decode("utf-8", "replace")
                leaked = [s for s in secrets if s in body]
                if leaked:
                    failures.append(f"{who} GET {url} shows reviewer identity: {leaked[:3]}")
    assert checked > 100
    # Positive control: the manager's stage page does name the assigned reviewers, so the
    # scan above would have seen a leak had an applicant page shown one.
    stage_page = _client_for(users["manager"]).get(f"/review/stages/{demo['params']['stage_id']}/")
    assert any(s in stage_page.content.decode() for s in secrets)
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures[:60])


@pytest.mark.django_db
def test_no_role_can_write_where_it_is_not_allowed(demo):
    users = demo["users"]
    failures = []
    for url, pattern in _urls(demo["params"]):
        allowed = getattr(pattern.callback, "allowed_roles", None)
        if allowed is None:
            continue
        for who in ("anonymous", "manager", "company", "research", "reviewer1", "auditor", "citizen",
                    "outsider_company", "outsider_research"):
            user = users.get(who)
            role_ok = user is not None and user.role in allowed
            outsider_on_object = (who.startswith("outsider") and role_ok and "<" in str(pattern.pattern)
                                  and pattern.name not in SHARED_OBJECT_VIEWS)
            if role_ok and not outsider_on_object:
                continue
            before = (_row_count(), AuditEvent.objects.count())
            response = _client_for(user).post(url, {"reason": "x", "title": "x", "body": "x", "status": "open"})
            after = (_row_count(), AuditEvent.objects.count())
            if response.status_code not in (302, 404, 405) or (response.status_code == 302 and user is not None):
                failures.append(f"{who} POST {url}: {response.status_code}")
            if after != before:
                failures.append(f"{who} POST {url} changed the database ({before} -> {after})")
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures[:60])


@pytest.mark.django_db
def test_every_api_endpoint_for_every_role(demo):
    from dure.api.api import api

    users = demo["users"]
    params = demo["params"]
    secrets = _reviewer_secrets()
    failures = []
    paths = api.get_openapi_schema()["paths"]
    for path, ops in paths.items():
        if "get" not in ops:
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: str(params[m.group(1)]), path)
        for who in ("anonymous", "manager", "company", "research", "reviewer1", "auditor", "citizen",
                    "outsider_company", "outsider_research"):
            user = users.get(who)
            response = _client_for(user).get(url)
            if response.status_code >= 500 or response.status_code == 403:
                failures.append(f"{who} GET {url}: {response.status_code}")
                continue
            if user is None and "/public/" not in path and response.status_code != 401:
                failures.append(f"anonymous GET {url}: {response.status_code}, expected 401")
            if who.startswith("outsider") and "{proposal_id}" in path and response.status_code != 404:
                failures.append(f"{who} GET {url}: {response.status_code}, expected 404")
            if (user is None or who != "manager") and response.status_code == 200:
                leaked = [s for s in secrets if s in response.content.decode()]
                if leaked:
                    failures.append(f"{who} GET {url} shows reviewer identity: {leaked[:3]}")
    assert not failures, "\n".join(failures)
