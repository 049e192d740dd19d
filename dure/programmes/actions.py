"""Every write to programmes and calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from dure.accounts.errors import ActionError
from dure.audit.actions import record
from dure.programmes.models import Call, Criterion, Stage, Track
from dure.programmes.workflow import (
    DEFAULT_STAGES,
    CallStatus,
    InvalidTransition,
    StageKind,
    check_call_transition,
)

# Criteria of each scored stage: (English, Korean, weight).
DEFAULT_CRITERIA: dict[str, tuple[tuple[str, str, float], ...]] = {
    StageKind.WRITTEN: (
        ("Technical excellence", "기술의 우수성", 0.4),
        ("Feasibility and team", "수행 역량 및 실현 가능성", 0.3),
        ("Commercialisation and industrial impact", "사업화 및 산업 파급효과", 0.3),
    ),
    StageKind.PANEL: (("Overall merit (panel consensus)", "종합 평가 (패널 합의)", 1.0),),
    StageKind.COOPERATION: (
        ("Need for international cooperation", "국제협력 필요성", 0.6),
        ("Partner is among the world's best", "협력기관의 세계 최고 수준 여부", 0.4),
    ),
}


@dataclass(frozen=True)
class CallInput:
    track: Track
    name_en: str
    name_ko: str
    description: str
    opens_at: datetime
    deadline: datetime
    first_year: int
    duration_years: int
    max_budget_per_year_krw: int
    grace_seconds: int = 0
    min_members: int = 2
    max_members: int = 8
    requires_foreign_partner: bool = False
    requires_company: bool = True
    requires_sme: bool = False
    requires_ip_plan: bool = True
    requires_industry_reviewer: bool = True
    reviewers_per_proposal: int = 3
    allows_rebuttal: bool = False


def check_create_call(manager, data: CallInput) -> Call:
    problems: dict[str, list[str]] = {}
    if data.deadline <= data.opens_at:
        problems.setdefault("deadline", []).append("The deadline must be after the opening time.")
    if data.max_budget_per_year_krw <= 0:
        problems.setdefault("max_budget_per_year_krw", []).append("The budget cap must be a positive amount in KRW.")
    if not 1 <= data.duration_years <= 10:
        problems.setdefault("duration_years", []).append("Projects last 1 to 10 years.")
    if data.min_members < 1 or data.max_members < data.min_members:
        problems.setdefault("max_members", []).append("The maximum number of members must be at least the minimum.")
    if not 1 <= data.reviewers_per_proposal <= 10:
        problems.setdefault("reviewers_per_proposal", []).append("Ask for 1 to 10 reviewers per proposal.")
    if data.track.requires_foreign_partner and not data.requires_foreign_partner:
        problems.setdefault("requires_foreign_partner", []).append(
            "This track funds international cooperation: its calls must require a foreign partner."
        )
    if problems:
        raise ActionError(problems)
    with transaction.atomic():
        call = Call.objects.create(programme=data.track.programme, status=CallStatus.DRAFT, **data.__dict__)
        create_default_stages(call)
        record(manager, "call.created", call, name=call.name_en, track=call.track.code)
    return call


def create_default_stages(call: Call) -> None:
    for order, (kind, blind, _scored) in enumerate(DEFAULT_STAGES, start=1):
        if kind == StageKind.COOPERATION and not call.requires_foreign_partner:
            continue
        stage = Stage.objects.create(call=call, kind=kind, order=order, is_blind=blind)
        for i, (en, ko, weight) in enumerate(DEFAULT_CRITERIA.get(kind, ())):
            Criterion.objects.create(stage=stage, name_en=en, name_ko=ko, weight=weight, order=i)


def check_transition_call(manager, call: Call, target: str) -> Call:
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        try:
            check_call_transition(call.status, target)
        except InvalidTransition as exc:
            raise ActionError(str(exc)) from None
        previous = call.status
        call.status = target
        call.save(update_fields=["status"])
        if target == CallStatus.CLOSED:
            first = call.stages.order_by("order").first()
            if first:
                Stage.objects.filter(pk=first.pk).update(is_open=True)
        record(manager, "call.transition", call, previous=previous, status=target)
    return call
