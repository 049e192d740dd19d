"""The technology map through HTTP: import, map page, override, partners, consortia, similar search."""

from __future__ import annotations

import gzip
import shutil

import pytest

from dure.audit.models import AuditEvent
from dure.core.importers.report import ImportReport
from dure.partners.models import Consortium, ConsortiumMember, MemberRole
from dure.techmap import actions
from dure.techmap.models import CooperationOverride, Evidence, EvidenceKind
from dure.techmap.tests.conftest import WORKS
from dure.testing import factories as f

KOREAN_DEMAND = {
    "title": "전기차용 이차전지 양극재 및 고체 전해질 공동개발",
    "description": "당사는 전기차 배터리용 이차전지 양극재를 수입에 의존하고 있습니다. 고니켈 양극재와 고체 전해질을 "
                   "함께 개발하고 셀 수준에서 검증할 연구기관과 해외 최고 연구기관을 찾습니다.",
    "competences": "양극재 합성, 고체 전해질, 셀 평가",
}


@pytest.mark.django_db
def test_import_counts_malformed_lines_and_keeps_the_rest(tmp_path):
    gz = tmp_path / "part_000.gz"
    with open(WORKS, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    report = ImportReport()
    result = actions.import_openalex_works(None, gz, report=report)
    lines = [x for x in WORKS.read_text().splitlines() if x.strip()]
    assert report.malformed == 2
    assert {i.line for i in report.issues} == {4, 7}
    assert result.created == len(lines) - 2 == Evidence.objects.filter(kind=EvidenceKind.PUBLICATION).count()
    again = actions.import_openalex_works(None, WORKS)  # importing twice updates, never duplicates
    assert again.created == 0 and again.updated == len(lines) - 2


@pytest.mark.django_db
def test_cli_import_reports_malformed_lines(capsys):
    from dure.cli.commands import import_data

    parser = __import__("argparse").ArgumentParser()
    import_data.add_arguments(parser)
    assert import_data.run(parser.parse_args(["openalex", str(WORKS), "--no-progress"])) == 0
    out = capsys.readouterr().out
    assert "malformed 2" in out


def test_map_page_shows_frontier_domestic_and_need(client, world):
    client.force_login(world["manager"])
    response = client.get(f"/techmap/technology/?t={world['technology'].code}", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "Global frontier" in page and "Best domestic organisations" in page
    frontier = [r["ind"].country_code for r in response.context["frontier"]]
    domestic = response.context["domestic"]
    assert any(cc != "KR" for cc in frontier)
    assert domestic and all(r["ind"].country_code == "KR" for r in domestic)
    for r in domestic[:2] + response.context["frontier"][:2]:  # each named on the page, with its works
        assert (r["organisation"].display_name if r["organisation"] else r["ind"].name) in page
    assert "1,000-work OpenAlex sample" in page
    assert "rule applied" in page


def test_override_is_recorded_and_counts(client, world):
    from dure.techmap.selectors import cooperation_need_for

    tech = world["technology"]
    before = cooperation_need_for(tech)
    reviewer = f.make_reviewer()
    client.force_login(reviewer)
    bad = client.post("/techmap/technology/override/", {"technology": tech.code, "level": "needed", "reason": "no"})
    assert bad.status_code == 400 and CooperationOverride.objects.count() == 0
    r = client.post("/techmap/technology/override/", {
        "technology": tech.code, "level": "needed",
        "reason": "Solid electrolytes at scale exist only abroad; the sample misses them."})
    assert r.status_code == 302
    need = cooperation_need_for(tech)
    assert need["level"] == "needed" and need["overridden"] and need["computed_level"] == before["computed_level"]
    assert AuditEvent.objects.filter(action="techmap.cooperation_overridden").count() == 1
    # a company may read the map but not overrule it
    client.force_login(world["company"])
    assert client.post("/techmap/technology/override/", {"technology": tech.code, "level": "not_needed",
                                                         "reason": "we think it is not needed"}).status_code == 404
    assert CooperationOverride.objects.count() == 1


def test_korean_demand_ends_at_a_consortium_with_a_foreign_partner(client, world):
    company = world["company"]
    client.force_login(company)
    r = client.post("/partners/demands/", KOREAN_DEMAND)
    assert r.status_code == 302
    demand_id = int(r["Location"].rstrip("/").rsplit("/", 1)[-1])
    response = client.get(f"/techmap/demands/{demand_id}/partners/", HTTP_ACCEPT_LANGUAGE="en")
    partners = response.content.decode()
    assert response.status_code == 200, partners[partners.find("<main"):][:1500]
    main = partners[partners.find("<main"):]
    assert "Secondary battery materials and cells" in partners and "domestic #1" in partners, main[:3000]
    page = client.get(f"/techmap/demands/{demand_id}/consortia/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "research lead" in page and "foreign partner required" in page
    assert "Accept and form this consortium" in page
    consortia_before = Consortium.objects.count()
    r = client.post(f"/techmap/demands/{demand_id}/consortia/accept/", {"index": "0"})
    assert r.status_code == 302 and Consortium.objects.count() == consortia_before + 1
    consortium = Consortium.objects.latest("pk")
    assert consortium.demand_id == demand_id and consortium.lead_id == company.organisation_id
    roles = set(ConsortiumMember.objects.filter(consortium=consortium).values_list("role", flat=True))
    assert MemberRole.FOREIGN in roles and MemberRole.RESEARCH in roles
    assert AuditEvent.objects.filter(action="techmap.consortium_accepted").exists()
    # a bad choice changes nothing
    assert client.post(f"/techmap/demands/{demand_id}/consortia/accept/", {"index": "x"}).status_code == 302
    assert Consortium.objects.count() == consortia_before + 1


def test_demand_pages_are_hidden_from_other_companies_and_the_public(client, world):
    from dure.partners.actions import DemandInput, check_create_demand

    demand = check_create_demand(world["company"], DemandInput(title="이차전지 양극재", description="이차전지 양극재 개발"))
    for user in (f.make_company_user(), f.make_citizen(), f.make_reviewer(), f.make_research_user()):
        client.force_login(user)
        assert client.get(f"/techmap/demands/{demand.pk}/consortia/").status_code == 404
        assert client.get(f"/techmap/demands/{demand.pk}/partners/").status_code == 404
    client.force_login(f.make_citizen())
    assert client.get("/techmap/").status_code == 404
    assert client.get("/techmap/similar/").status_code == 404


def test_similar_search_finds_the_near_duplicate_first(client, world):
    client.force_login(world["manager"])
    target = Evidence.objects.filter(kind=EvidenceKind.PUBLICATION, text__icontains="cathode").first()
    words = target.text.split()
    query = " ".join(words[: max(12, len(words) // 2)])  # half of the text, as a re-submitted project would be
    page = client.get("/techmap/similar/", {"text": query})
    assert page.status_code == 200
    results = page.context["results"]
    assert results[0]["evidence"].pk == target.pk
    assert results[0]["shared_terms"]
    assert results[0]["shared_terms"][0] in page.content.decode()


def test_overlap_shows_who_shares_a_technology_and_what_nobody_covers(client, world):
    other = f.make_technology(world["track"])
    other.keywords = ["quantum error correction on a toroidal lattice"]
    other.save()
    client.force_login(world["manager"])
    page = client.get("/techmap/overlap/")
    ov = page.context["overlap"]
    assert world["technology"] in [t for t, _ in ov["shared"]]
    assert other in ov["uncovered"]
