"""Demo: company demands, research organisations reaching out first, and the consortia that follow.

Reads from ``ctx``: "users" (company, company_large, research, research2), "orgs" (kims, kaist,
kist, etri, snu, postech, samsung, hyundai, hd_hyundai, sme_magnet, sme_package, mit, stanford,
fraunhofer, riken), "technologies" (code -> Technology).
Writes to ``ctx``: "demands" (list of Demand), "offers" (list of JointResearchOffer),
"consortia" (dict short name -> Consortium; keys listed in CONSORTIA below plus "hd_centre" and
"magnet").

Everything created here is sample data (is_sample=True) and goes through the app's actions.
"""

from __future__ import annotations

from dure.organisations.models import Organisation, OrgKind
from dure.partners.actions import (
    DemandInput,
    OfferInput,
    check_add_member,
    check_create_consortium,
    check_create_demand,
    check_decide_offer,
    check_send_offer,
)
from dure.partners.models import MemberRole

MAGNET_DEMAND = DemandInput(
    title="전기차 구동모터용 희토류 프리 영구자석 공동개발",
    description=(
        "당사는 전기차 구동모터용 네오디뮴(Nd-Fe-B) 자석을 수입에 의존하고 있어 공급망 위험이 큽니다. "
        "희토류를 쓰지 않거나 크게 줄인 영구자석(페라이트 고성능화, MnBi, Fe-N 등)을 개발하고, "
        "3년 안에 시제품 모터에 적용해 양산 가능성을 검증하고자 합니다. "
        "분말 합성부터 성형·소결, 자기특성 평가까지 함께할 연구기관을 찾습니다."
    ),
    competences=["희토류 프리 자성소재 설계", "분말야금 및 소결 공정", "자기특성 평가", "구동모터 설계·시험"],
    is_sample=True,
)
CRYO_DEMAND = DemandInput(
    title="LNG 운반선 화물창용 극저온 고망간강 용접재료",
    description=(
        "영하 163도의 LNG 화물창에 쓰는 고망간강의 용접부 인성이 부족해 수입 니켈계 용접재료를 쓰고 있습니다. "
        "국산 고망간강 전용 용접재료와 용접 공정을 개발하고 선급 인증까지 함께할 연구기관을 찾습니다."
    ),
    competences=["극저온 소재", "용접 야금", "파괴인성 평가", "선급 인증 시험"],
    is_sample=True,
)
HD_CENTRE_MESSAGE = (
    "한국재료연구원은 HD현대와 '조선·해양 첨단소재 공동연구센터' 설립을 제안합니다. "
    "선박 추진 전동화에 필요한 고효율 자성소재와 극저온 LNG 화물창용 고망간강 용접 소재를 함께 개발하고, "
    "연구원이 현장에 상주해 실증 데이터를 공동으로 수집합니다."
)
HD_CENTRE_GOAL = "2029년까지 친환경 선박 추진 모터 및 LNG 화물창 소재 실선 적용, 연 1,000억 원 규모 매출 기여"

# Further consortia formed by the research organisations: (key, lead user, name, members).
CONSORTIA = [
    ("packaging", "research2", "칩렛 이종집적 패키징 국제공동연구 컨소시엄",
     ["sme_package", "samsung", "stanford"]),
    ("battery", "research", "전고체 이차전지 전해질 소재 컨소시엄", ["kist", "sme_magnet", "hyundai", "mit"]),
    ("humanoid", "research2", "휴머노이드 로봇 테스트베드 컨소시엄", ["etri", "sme_package", "hd_hyundai", "riken"]),
    ("ai_compute", "research2", "차세대 AI 컴퓨팅 국제공동연구 컨소시엄", ["snu", "samsung", "stanford"]),
    ("quantum", "research2", "양자컴퓨팅 국내 협력 컨소시엄", ["kist", "snu", "samsung"]),
    ("cell_regen", "research2", "세포 재생 치료제 국내 컨소시엄", ["snu", "hyundai"]),
]


def role_for(org: Organisation) -> str:
    if not org.is_domestic:
        return MemberRole.FOREIGN
    if org.kind == OrgKind.SME:
        return MemberRole.SME
    if org.kind == OrgKind.LARGE:
        return MemberRole.LARGE
    return MemberRole.RESEARCH


def _add(user, consortium, org: Organisation | None) -> None:
    if org is not None and org.pk not in consortium.organisation_ids():
        check_add_member(user, consortium, org, role_for(org))


def load(ctx: dict) -> None:
    users, orgs, technologies = ctx["users"], ctx["orgs"], ctx.get("technologies", {})
    company, company_large = users["company"], users["company_large"]
    research = users["research"]

    magnet = check_create_demand(company, DemandInput(**{**MAGNET_DEMAND.__dict__,
                                                         "technology": technologies.get("CP-MAT-01")}))
    demands = [magnet, check_create_demand(company_large, CRYO_DEMAND)]

    # KIMS reaches out first: to HD Hyundai directly, and to the SME through its demand.
    to_hd = check_send_offer(research, OfferInput(
        message=HD_CENTRE_MESSAGE, commercialisation_goal=HD_CENTRE_GOAL, company=orgs["hd_hyundai"], is_sample=True))
    to_hd = check_decide_offer(company_large, to_hd, accept=True)
    to_sme = check_send_offer(research, OfferInput(
        demand=magnet, is_sample=True,
        message="한국재료연구원 자성소재 연구실이 Fe-N 및 MnBi 자석 합성과 소결 공정을 맡고, 귀사가 모터 적용 시험을 맡는 공동연구를 제안합니다.",
        commercialisation_goal="2028년 희토류 프리 자석 적용 구동모터 시제품, 2030년 양산 라인 구축"))
    to_sme = check_decide_offer(company, to_sme, accept=True)

    consortia = {"hd_centre": to_hd.consortium, "magnet": to_sme.consortium}
    for org_key in ("postech", "fraunhofer"):
        _add(research, consortia["hd_centre"], orgs.get(org_key))
    for org_key in ("hyundai", "fraunhofer"):
        _add(research, consortia["magnet"], orgs.get(org_key))
    for key, lead_key, name, members in CONSORTIA:
        lead = users[lead_key]
        consortium = check_create_consortium(lead, name, is_sample=True)
        for org_key in members:
            _add(lead, consortium, orgs.get(org_key))
        consortia[key] = consortium

    ctx["demands"] = demands
    ctx["offers"] = [to_hd, to_sme]
    ctx["consortia"] = consortia
