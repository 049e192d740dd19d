"""Small worlds for the robustness tests, built through the project's own actions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from dure.accounts.actions import do_create_api_token
from dure.proposals.actions import check_submit_proposal
from dure.proposals.models import Proposal
from dure.proposals.tests.helpers import World, create, make_world


def needs_postgresql(reason: str, *, race: bool = True) -> None:
    """Skip the calling test unless the database is PostgreSQL, saying why."""
    import pytest

    if connection.vendor != "postgresql":
        why = " (SQLite serialises all writers, so the race cannot happen)" if race else ""
        pytest.skip(f"needs PostgreSQL: {reason}{why}")


@dataclass
class ApiWorld:
    world: World
    token: str
    draft: Proposal
    submitted: Proposal


def make_api_world(client) -> ApiWorld:
    """A lead with an API token, one draft proposal and one submitted proposal."""
    world = make_world()
    draft = create(client, world)
    submitted = create(client, world, title="Solid-state battery separators")
    check_submit_proposal(world.lead, submitted, "first-submission")
    token = do_create_api_token(world.lead, "robustness")
    client.logout()
    return ApiWorld(world, token, draft, submitted)

