"""Generated input to the proposal form: never a server error, never a partial write."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dure.proposals.models import Proposal, ProposalBudgetYear, ProposalMember
from dure.proposals.tests.helpers import make_world

junk = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "0", "100", "1e400", "NaN", "-0", "١٢", "０", "\x00", "<script>"]),
)


@pytest.mark.django_db
def test_proposal_form_survives_generated_input(client):
    world = make_world(international=True)
    client.force_login(world.lead)
    url = reverse("proposal-create", args=[world.call.pk])
    fields = list(world.form())

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.dictionaries(st.sampled_from(fields), junk, max_size=6))
    def post(changes):
        before = (Proposal.objects.count(), ProposalMember.objects.count(), ProposalBudgetYear.objects.count())
        r = client.post(url, world.form(**changes))
        assert r.status_code in (302, 400)
        if r.status_code == 400:
            after = (Proposal.objects.count(), ProposalMember.objects.count(), ProposalBudgetYear.objects.count())
            assert after == before
        else:
            p = Proposal.objects.latest("pk")
            assert p.members.count() == len(world.consortium.members.all())

    post()
