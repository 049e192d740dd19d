"""The demo path of issue 6, in Korean: a company's magnet demand ends at a consortium with a foreign partner.

The demo's company (company@dure.example.org, Hanbit Magnetics) posted 전기차 구동모터용 희토류 프리
영구자석 공동개발. The evidence is the demo's real records (the OpenAlex 2022 sample, the PatentsView
subset) and the programme's own projects; matching uses words (the test settings' "keyword"
engine; the embedding path has its own test in dure/techmap/tests/test_demand_matching.py).
"""

from __future__ import annotations

import re

import pytest

from dure.audit.models import AuditEvent
from dure.demo.people import DEMO_PASSWORD
from dure.partners.models import Consortium, ConsortiumMember, Demand, MemberRole
from dure.proposals.models import Proposal

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

STAGES = ["dure.partners.demo", "dure.proposals.demo", "dure.techmap.demo"]


@pytest.fixture
def demo(monkeypatch):
    from dure.demo import runner
    from dure.techmap import selectors

    selectors._cache.clear()  # a fresh test database: the per-process map must be rebuilt
    monkeypatch.setattr(runner, "STAGE_MODULES", STAGES)
    return runner.load_demo()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_korean_magnet_demand_ends_at_a_consortium_with_a_foreign_partner_and_reasons(client, demo):
    # the company logs in through the login form, with the Korean interface
    login = client.post("/accounts/login/?lang=ko", {"username": "company", "password": DEMO_PASSWORD})
    assert login.status_code == 302, login.content.decode()[:500]
    demand = Demand.objects.get(title__startswith="전기차 구동모터용 희토류 프리 영구자석")
    detail = client.get(f"/partners/demands/{demand.pk}/?lang=ko").content.decode()
    assert 'lang="ko"' in detail and f"/techmap/demands/{demand.pk}/partners/" in detail

    # partners: domestic first, then a foreign institute with the real works that justify it
    response = client.get(f"/techmap/demands/{demand.pk}/partners/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="ko"' in page and "이 수요의 협력 후보 기관" in page and "근거가 되는 연구 실적" in page
    rows = response.context["suggestions"]
    flags = [r["domestic"] for r in rows]
    assert flags[0] and False in flags and flags == sorted(flags, reverse=True), flags
    assert "국내" in page and "해외" in page
    # an organisation known only from projects is not shown as cited "0.00x the field average"
    assert any(not r["works"] for r in rows) and "피인용 정보 없음" in page and "평균의 0.00배" not in page
    need = response.context["need"]
    assert need["level"] == "needed", need["reasons"]
    foreign = [r for r in rows if not r["domestic"] and r["organisation"] is not None and r["works"]]
    assert foreign, [(r["name"], r["country_code"], len(r["works"])) for r in rows]
    first = foreign[0]
    assert first["country_code"] != "KR" and first["organisation"].country_code != "KR"
    work = first["works"][0]
    assert work["evidence"].kind == "publication" and work["terms"]  # a real work, and the words that matched
    assert work["title"][:40] in _text(page) and first["name"] in page
    # the work is about magnetic material: "magnetic" in the work meets "magnet" in the demand's technology
    assert "magnet" in work["terms"] and len(work["terms"]) >= 2

    # consortia: a research lead, a foreign partner and the reason for each member
    response = client.get(f"/techmap/demands/{demand.pk}/consortia/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "추천 컨소시엄" in page and "연구 주관" in page and "이 컨소시엄 수락 및 구성" in page
    # what a member covers is named as the reader knows it (the technology's Korean name), not by its code
    assert "충족 역량 전기차 모터용 희토류 프리 영구자석" in _text(page) and "충족 역량 CP-" not in _text(page)
    suggestions = response.context["suggestions"]
    with_foreign = [i for i, s in enumerate(suggestions) if any(m.foreign for m in s.proposal.members)]
    assert with_foreign, [[m.name for m in s.proposal.members] for s in suggestions]
    chosen = suggestions[with_foreign[0]]
    foreign_member = next(m for m in chosen.proposal.members if m.foreign)
    assert foreign_member.why == "foreign_needed" and "international cooperation is needed" in foreign_member.reason
    assert chosen.proposal.lead.role == "lead" and chosen.proposal.lead.country_code == "KR"
    for row in chosen.rows:  # every member is shown with its reason
        assert row["organisation"].display_name in page
    assert chosen.reasons[chosen.organisations[0].pk].startswith("research lead")

    # accepting it forms the consortium, the company's own organisation included
    before = Consortium.objects.count()
    r = client.post(f"/techmap/demands/{demand.pk}/consortia/accept/", {"index": str(with_foreign[0])})
    assert r.status_code == 302 and Consortium.objects.count() == before + 1
    consortium = Consortium.objects.latest("pk")
    assert consortium.demand_id == demand.pk and consortium.lead_id == demand.company_id
    members = {m.organisation_id: m.role for m in ConsortiumMember.objects.filter(consortium=consortium)}
    assert members.get(int(foreign_member.id[4:])) == MemberRole.FOREIGN
    assert demand.company_id in members
    event = AuditEvent.objects.filter(action="techmap.consortium_accepted").latest("pk")
    assert "international cooperation is needed" in event.payload["reasons"][foreign_member.id[4:]]

    # and it becomes a proposal to the open call, with the foreign partner named
    call = demo["calls"]["chokepoint_open"]
    form = client.get(f"/proposals/new/{call.pk}/?consortium={consortium.pk}")
    assert form.status_code == 200
    fields = form.context["form"].fields
    foreign_pk = int(foreign_member.id[4:])
    assert foreign_pk in {o.pk for o in fields["foreign_partner"].queryset}
    data = {"consortium": str(consortium.pk), "technology": str(demand.technology_id),
            "title": demand.title, "abstract": demand.description,
            "ip_licence_plan": "참여기업 한빛자석이 공동연구 결과의 국내 실시권을 확보합니다.",
            "foreign_partner": str(foreign_pk),
            "cooperation_need": "기술지도상 국제협력이 필요한 분야입니다: " + need["reasons"][0]}
    share = 100 // len(members)
    for i, (org_id, role) in enumerate(sorted(members.items())):
        data[f"role_{org_id}"] = role
        data[f"share_{org_id}"] = str(100 - share * (len(members) - 1) if i == 0 else share)
    for name in (n for n in fields if n.startswith("budget_")):
        data[name] = "1000000000"
    saved = client.post(f"/proposals/new/{call.pk}/", data)
    assert saved.status_code == 302, _text(saved.content.decode())[:1500]
    proposal = Proposal.objects.latest("pk")
    assert proposal.consortium_id == consortium.pk and proposal.foreign_partner_id == foreign_pk
