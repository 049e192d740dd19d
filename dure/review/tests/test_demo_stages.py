"""The demo runs the choke-point call through every layer of evaluation."""

from __future__ import annotations

import pytest

from dure.audit.models import AuditEvent
from dure.programmes.workflow import StageKind
from dure.review.models import FeedbackRelease, PanelComment, PanelSummary, Rebuttal
from dure.selection.models import Decision, PublishedSeed


@pytest.mark.django_db
def test_demo_runs_the_chokepoint_call_through_all_stages():
    from dure.demo.runner import load_demo

    ctx = load_demo()
    call = ctx["calls"]["chokepoint"]
    kinds = {d.stage.kind for d in Decision.objects.filter(proposal__call=call).select_related("stage")}
    assert kinds >= {StageKind.ELIGIBILITY, StageKind.WRITTEN, StageKind.PANEL, StageKind.COOPERATION,
                     StageKind.COMMITTEE}
    assert PanelSummary.objects.filter(proposal__call=call).exists()
    assert PanelComment.objects.filter(proposal__call=call).exists()
    assert Rebuttal.objects.filter(proposal__call=call).exists()
    assert Decision.objects.filter(proposal__call=call, stage__kind=StageKind.COOPERATION, outcome="fail").exists()
    seed = AuditEvent.objects.filter(action="lottery.seed_published").order_by("pk").first()
    draw = AuditEvent.objects.filter(action="lottery.drawn").order_by("pk").first()
    assert PublishedSeed.objects.filter(call=call, used_by__isnull=False).exists()
    assert seed is not None and draw is not None and seed.pk < draw.pk
    assert FeedbackRelease.objects.filter(call=call).exists()
