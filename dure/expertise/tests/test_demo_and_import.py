"""OpenAlex works onto a reviewer's record: the demo loader and the manager's import form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dure.expertise import demo
from dure.expertise.models import ExpertWork
from dure.testing.factories import make_manager, make_reviewer

pytestmark = pytest.mark.django_db


def test_demo_attaches_real_works_marked_as_sample_links(client):
    reviewers = {f"reviewer{i}": make_reviewer() for i in (1, 2)}
    reviewers["reviewer1"].expertise = "graphene, polymer"
    reviewers["reviewer1"].save()
    ctx = {"users": reviewers}
    demo.load(ctx)
    works = ctx["expert_works"]["reviewer1"]
    assert len(works) == demo.WORKS_PER_REVIEWER and all(w.is_sample and w.external_id.startswith("W") for w in works)
    assert all(re.search(r"\b(graphenes?|polymers?)\b", w.title.lower()) for w in works)
    client.force_login(make_manager())
    page = client.get(reverse("expertise-profile", args=[reviewers["reviewer1"].pk])).content.decode()
    assert "sample data" in page and works[0].external_id in page
    # the form adds a named OpenAlex work once; an unknown id is refused and adds nothing
    other = reviewers["reviewer2"]
    wid = works[0].external_id
    client.post(reverse("expertise-attach-openalex", args=[other.pk]), {"work_ids": wid})
    assert ExpertWork.objects.filter(person=other, external_id=wid).count() == 1
    n = ExpertWork.objects.count()
    r = client.post(reverse("expertise-attach-openalex", args=[other.pk]), {"work_ids": "W1 " + wid}, follow=True)
    assert "W1" in r.content.decode() and ExpertWork.objects.count() == n
