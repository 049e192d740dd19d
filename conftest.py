"""Suite-wide fixtures: the invariant checker runs after every database test."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings

# Property tests explore new examples on a developer's machine; in CI they replay a fixed
# sequence, so a submission lands or fails on its own merits. Failures print a reproduction blob.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")

_DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "breaks_invariants: the test damages data on purpose (e.g. tampers with the audit log)"
    )


@pytest.fixture(autouse=True)
def _database_invariants(request):
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if not (marker or (_DB_FIXTURES & names)) or request.node.get_closest_marker("breaks_invariants"):
        yield
        return
    # Take the database fixture here so that this check runs before its rollback.
    transactional = "transactional_db" in names or bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    yield
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        return
    from dure.testing.invariants import check_invariants

    problems = check_invariants()
    assert not problems, "invariants broken after the test:\n" + "\n".join(problems)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
