"""Demo: sample proposals to the two open calls, written and submitted through the actions.

Reads from ``ctx``: "users" (research, research2), "orgs", "technologies" (code -> Technology),
"calls" ("chokepoint", "original" -> open Call), "consortia" (written by dure.partners.demo).
Writes to ``ctx``: "proposals" (list of submitted Proposal) and
"proposal_drafts" (those kept as drafts because the call's rules refuse them, e.g. a
domestic consortium where the call requires a foreign partner).

Everything created here is sample data (is_sample=True).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dure.accounts.errors import ActionError
from dure.partners.models import MemberRole
from dure.proposals.actions import (
    MemberInput,
    ProposalInput,
    check_save_proposal,
    check_submit_proposal,
    eligibility_problems,
)
from dure.proposals.models import Proposal


@dataclass(frozen=True)
class Spec:
    call: str
    consortium: str
    technology: str
    title: str
    abstract: str
    summary: str
    shares: tuple[int, ...]  # in the order of the consortium's members; the lead first
    budget_share_of_cap: tuple[float, ...]  # per year, as a share of the call's cap
    cooperation_need: str = ""
    ip_plan: str = ""


DEFAULT_IP = (
    "공동연구 결과물의 특허는 참여기관이 지분에 따라 공동 소유하고, 국내 참여기업에 국내 전용실시권을 "
    "무상으로 부여한다. / Korean member companies receive an exclusive domestic licence to all results."
)

SPECS = [
    Spec("chokepoint", "magnet", "CP-MAT-01",
         "전기차 구동모터용 희토류 프리 Fe-N 영구자석 및 모터 실증 (Rare-earth-free Fe-N permanent magnets for EV traction motors)",
         "Iron-nitride (α''-Fe16N2) and MnBi magnets synthesised by low-temperature nitriding, consolidated "
         "below the decomposition temperature, and validated in a 150 kW traction motor built by the SME.",
         "희토류 없이도 전기차 모터를 돌릴 수 있는 강한 자석을 만들어 공급망 위험을 줄입니다.",
         (40, 25, 20, 15), (0.8, 0.9, 0.7),
         "Fraunhofer IWKS runs the only pilot line for nitride magnet powders outside China; the Korean team "
         "lacks the consolidation process below 200 °C."),
    Spec("chokepoint", "packaging", "CP-SEMI-01",
         "AI 가속기용 칩렛 하이브리드 본딩 이종집적 패키징 (Chiplet hybrid bonding for AI accelerators)",
         "Sub-5 µm pitch Cu-Cu hybrid bonding with glass interposers, thermal-stress co-design and a "
         "reliability test vehicle shared between the SME and a memory manufacturer.",
         "여러 개의 작은 칩을 한 몸처럼 붙여 더 빠르고 전력을 덜 쓰는 AI 반도체를 만듭니다.",
         (35, 20, 25, 20), (0.95, 0.95, 0.8),
         "Stanford's SystemX alliance holds the test vehicles and bonding metrology that Korea does not have."),
    Spec("chokepoint", "battery", "CP-BAT-01",
         "황화물계 전고체전지 고이온전도 전해질 양산 공정 (Scalable sulfide solid electrolytes)",
         "Argyrodite sulfide electrolytes above 10 mS/cm made by a solvent-free process, with dry-room-free "
         "handling studied at MIT and pouch cells tested by the vehicle maker.",
         "불이 잘 나지 않는 차세대 배터리의 핵심 소재를 대량으로 만드는 방법을 개발합니다.",
         (30, 20, 15, 20, 15), (0.6, 0.7, 0.7),
         "MIT's interface modelling and in-situ characterisation complement Korean cell manufacturing."),
    Spec("chokepoint", "humanoid", "CP-ROB-01",
         "조선소 작업용 휴머노이드 로봇 테스트베드 구축 (Humanoid robot testbed for shipyard work)",
         "A shared testbed in a shipyard block shop where humanoid robots learn welding-support and "
         "inspection tasks; data collected under common protocols and opened to Korean SMEs.",
         "사람이 하기 힘든 조선소 작업을 로봇이 돕도록, 기업이 직접 시험해 볼 수 있는 시험장을 만듭니다.",
         (30, 20, 15, 20, 15), (0.5, 0.6, 0.6),
         "RIKEN's whole-body control and tactile sensing lead the field; Korea lacks a shared data protocol."),
    Spec("original", "hd_centre", "OR-AI-01",
         "KIMS–HD현대 조선·해양 첨단소재 공동연구센터: AI 기반 극저온 소재 설계 (AI-driven design of cryogenic alloys)",
         "A joint research centre at HD Hyundai's yard where KIMS researchers design high-manganese steels "
         "and welding consumables with machine-learning surrogates trained on shipyard test data.",
         "바다 위의 극한 환경을 견디는 선박 소재를 인공지능으로 빠르게 설계합니다.",
         (45, 25, 15, 15), (0.8, 0.8, 0.8),
         "Fraunhofer IWM's fracture-mechanics data and models for cryogenic welds are unmatched in Korea."),
    Spec("original", "ai_compute", "OR-AI-01",
         "아날로그 인메모리 컴퓨팅 기반 저전력 AI 가속기 (Analog in-memory computing for low-power AI)",
         "Ferroelectric analog in-memory arrays co-designed with compilers, fabricated on a Korean foundry "
         "process and benchmarked on transformer inference.",
         "전기를 훨씬 덜 쓰는 인공지능 반도체를 만들어 데이터센터 전력 문제를 줄입니다.",
         (40, 20, 20, 20), (0.9, 0.9, 0.9),
         "Stanford leads device-algorithm co-design for analog AI; the partnership shortens the path to silicon."),
    Spec("original", "quantum", "OR-QC-01",
         "초전도 큐비트 국산 제어 전자장치 (Domestic control electronics for superconducting qubits)",
         "Cryo-CMOS control electronics for 100 superconducting qubits, shared across institutes instead "
         "of each building its own stack.",
         "여러 연구기관이 따로 만들던 양자컴퓨터 제어 장치를 하나로 모아 함께 씁니다.",
         (35, 25, 20, 20), (0.7, 0.7, 0.7)),
    Spec("original", "cell_regen", "OR-BIO-01",
         "손상 조직 재생을 위한 유도만능줄기세포 유래 세포치료제 (iPSC-derived cell therapy for tissue regeneration)",
         "GMP-grade iPSC differentiation with automated quality control, aimed at a first-in-human study.",
         "손상된 조직을 스스로 회복하게 돕는 세포 치료제를 개발합니다.",
         (50, 30, 20), (0.6, 0.6, 0.6)),
]


def _members(consortium, shares) -> tuple[MemberInput, ...]:
    members = sorted(consortium.members.select_related("organisation"), key=lambda m: (m.role != MemberRole.LEAD, m.pk))
    if len(shares) != len(members):
        raise ValueError(f"Spec for {consortium.name} gives {len(shares)} shares for {len(members)} members.")
    return tuple(MemberInput(m.organisation, m.role, Decimal(s)) for m, s in zip(members, shares, strict=True))


def load(ctx: dict) -> None:
    users, technologies, calls, consortia = ctx["users"], ctx["technologies"], ctx["calls"], ctx["consortia"]
    lead_of = {u.organisation_id: u for u in (users["research"], users["research2"], users["company"], users["company_large"])}
    submitted: list[Proposal] = []
    drafts: list[Proposal] = []
    for n, spec in enumerate(SPECS, start=1):
        call, consortium = calls[spec.call], consortia[spec.consortium]
        user = lead_of[consortium.lead_id]
        foreign = next((m.organisation for m in consortium.members.all() if m.role == MemberRole.FOREIGN), None)
        cap = call.max_budget_per_year_krw
        budget = {year: int(cap * f) // 10_000_000 * 10_000_000 for year, f in zip(call.years, spec.budget_share_of_cap, strict=True)}
        proposal = check_save_proposal(user, call, consortium, ProposalInput(
            technology=technologies[spec.technology], title=spec.title, abstract=spec.abstract,
            members=_members(consortium, spec.shares), budget_by_year=budget, plain_summary=spec.summary,
            ip_licence_plan=spec.ip_plan or DEFAULT_IP, foreign_partner=foreign,
            cooperation_need=spec.cooperation_need if foreign else "", is_sample=True,
        ))
        if eligibility_problems(proposal):
            drafts.append(proposal)
            continue
        try:
            check_submit_proposal(user, proposal, f"demo-{n}")
        except ActionError:
            drafts.append(proposal)
            continue
        proposal.refresh_from_db()
        submitted.append(proposal)
    ctx["proposals"] = submitted
    ctx["proposal_drafts"] = drafts
