"""Schemathesis against the committed OpenAPI schema, through the WSGI app.

Every operation of dure/api/openapi.json gets generated requests (valid and invalid ones)
as the lead of two proposals, authenticated with a bearer token. Checks: no 5xx, status
codes, content types, headers and bodies conform to the schema. Afterwards nothing is
half-written: the invariants hold and every Submission's receipt verifies.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks

from dure.proposals.models import Submission
from dure.proposals.receipts import verify_submission
from dure.testing.invariants import check_invariants
from tests.robustness.world import make_api_world

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "dure" / "api" / "openapi.json"
SCHEMA = schemathesis.openapi.from_dict(json.loads(SCHEMA_PATH.read_text()))
OPERATIONS = [op.ok() for op in SCHEMA.get_all_operations()]
EXAMPLES_PER_OPERATION = 120  # 10 operations: 1,200 generated requests, plus the checks' own
# ignored_auth judges the schemathesis-generated token, which ours replaces
# (test_every_operation_refuses_a_missing_or_forged_token covers authentication);
# positive_data_acceptance expects every schema-valid body to be accepted, but the call's
# rules (an IP licence plan that says something, a deadline) refuse some with a documented 422.
EXCLUDED = [checks.ignored_auth, checks.positive_data_acceptance]

pytestmark = pytest.mark.django_db


@contextmanager
def kept_test_connection():
    """Keep the test's database connection open across WSGI requests, as Django's test client does.

    Django closes the connection at the end of each request; inside a test transaction that
    would end the test. The test client reconnects the handlers after each of its requests,
    so this wraps each WSGI call rather than the whole test.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def wsgi_app():
    return get_wsgi_application()


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{op.method.upper()} {op.path}" for op in OPERATIONS])
def test_generated_requests_never_fail_and_conform_to_the_schema(client, wsgi_app, operation):
    world = make_api_world(client)
    own_ids = [world.draft.pk, world.submitted.pk, world.world.call.pk]
    headers = {"Authorization": f"Bearer {world.token}"}
    seen_statuses: dict[int, int] = {}

    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), use_own=st.booleans(), which=st.sampled_from(own_ids))
    def run(case, use_own, which):
        # Half the cases aim at objects the user owns, so the writes are exercised too.
        if use_own:
            for name in ("proposal_id", "call_id"):
                if case.path_parameters and name in case.path_parameters:
                    case.path_parameters[name] = which
        with kept_test_connection():
            response = case.call(app=wsgi_app, headers=headers)
            seen_statuses[response.status_code] = seen_statuses.get(response.status_code, 0) + 1
            case.validate_response(response, transport_kwargs={"app": wsgi_app, "headers": headers},
                                   excluded_checks=EXCLUDED)

    run()
    assert not any(code >= 500 for code in seen_statuses), seen_statuses
    assert check_invariants() == []
    assert all(verify_submission(s) for s in Submission.objects.all())


@pytest.mark.parametrize("token", [None, "dure_forged-token", "not-a-dure-token"])
def test_every_operation_refuses_a_missing_or_forged_token(client, wsgi_app, token):
    world = make_api_world(client)
    for operation in OPERATIONS:
        if not operation.definition.raw.get("security"):  # public endpoints
            continue
        path = operation.path.replace("{proposal_id}", str(world.draft.pk)).replace("{call_id}", str(world.world.call.pk))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if operation.method == "post":
            headers["Idempotency-Key"] = "anonymous-try"
        response = client.generic(operation.method.upper(), path, data=b"{}", content_type="application/json",
                                  headers=headers)
        assert response.status_code == 401, (operation.method, path, response.status_code)
    assert Submission.objects.filter(idempotency_key="anonymous-try").count() == 0
    world.draft.refresh_from_db()
    assert world.draft.version == 0 or world.draft.submitted_at is None


@pytest.mark.parametrize("url,method,body", [
    ("/api/organisations?q=a%00b", "get", None),
    ("/api/proposals/{pid}", "patch", {"title": "a\x00b"}),
    ("/api/proposals/{pid}/submit", "post", {"abstract": "a\x00b"}),
])
def test_nul_characters_are_refused_as_bad_input(client, url, method, body):
    # PostgreSQL text cannot hold NUL: found by the fuzzing above as a 500 on PostgreSQL only.
    world = make_api_world(client)
    response = client.generic(method.upper(), url.format(pid=world.draft.pk), data=json.dumps(body or {}),
                              content_type="application/json",
                              headers={"Authorization": f"Bearer {world.token}", "Idempotency-Key": "nul-test-1"})
    assert response.status_code == 422, response.content
    world.draft.refresh_from_db()
    assert "\x00" not in world.draft.title + world.draft.abstract
