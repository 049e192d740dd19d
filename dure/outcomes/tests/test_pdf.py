"""The manager dashboard as a PDF, in Korean and English."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.urls import reverse

from dure.agreements.actions import (
    IPTermsInput,
    check_save_ip_terms,
    check_sign_agreement,
    do_draft_agreement,
)
from dure.agreements.tests.builders import make_selected_proposal
from dure.outcomes.dashboard import build_dashboard
from dure.outcomes.models import OutcomeReport
from dure.outcomes.pdf import dashboard_tables
from dure.testing.factories import make_company_user, make_manager, make_research_user, make_track

pytestmark = pytest.mark.django_db


def _programme_with_an_agreement():
    manager = make_manager()
    track = make_track(requires_foreign_partner=True)
    proposal = make_selected_proposal(track=track, international=True, yearly_krw=700_000_000)
    agreement = do_draft_agreement(manager, proposal)
    company = proposal.members.get(role="sme").organisation
    check_save_ip_terms(manager, agreement, IPTermsInput("Shared", company, "Licence to practise in Korea"))
    agreement = check_sign_agreement(manager, agreement)
    OutcomeReport.objects.create(agreement=agreement, year=2026, papers=4, patents=2, submitted_by=make_research_user())
    return manager, track


def _text(pdf: bytes, tmp_path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    path = tmp_path / "d.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_pdf_tables_carry_the_dashboard_figures_in_both_languages():
    _manager, track = _programme_with_an_agreement()
    dash = build_dashboard()
    en = {t.title: t for t in dashboard_tables(dash, "en")}
    money_en = en["Money per track and year"]
    row_2026 = next(r for r in money_en.rows if r[0] == track.name and r[1] == "2026")
    assert row_2026[4] == "KRW 700 million"  # committed that year
    assert money_en.rows[-1][4] == "KRW 2.1 billion"  # all years
    assert en["International share"].rows == [["KRW 2.1 billion", "KRW 2.1 billion", "100.0%", "15%", "yes"]]
    assert en["Outcomes per track"].rows[-1][2] == "4"  # papers
    assert dashboard_tables(dash, "ko")[0].rows[-1][4] == "21억 원"


def test_manager_downloads_pdf_in_korean_and_english(client, tmp_path):
    manager, track = _programme_with_an_agreement()
    client.force_login(manager)
    page = client.get(reverse("manager-dashboard")).content.decode()
    assert reverse("manager-dashboard-pdf") in page
    for lang in ("ko", "en"):
        r = client.get(reverse("manager-dashboard-pdf") + f"?lang={lang}")
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
        assert f"-{lang}.pdf" in r["Content-Disposition"]
        assert r.content.startswith(b"%PDF-") and (b"NanumGothic" in r.content or b"HYSMyeongJo-Medium" in r.content)
        text = _text(r.content, tmp_path)
        if text is not None and lang == "en":
            assert "Money per track and year" in text and "KRW 700 million" in text and "100.0%" in text
        if text is not None and lang == "ko" and b"NanumGothic" in r.content:
            assert "21억 원" in text and "7억 원" in text  # the embedded font's text is extractable
    for other in (make_company_user(), make_research_user()):
        client.force_login(other)
        assert client.get(reverse("manager-dashboard-pdf")).status_code == 404


def test_pdf_of_an_empty_programme_still_renders(client):
    client.force_login(make_manager())
    make_track()
    r = client.get(reverse("manager-dashboard-pdf") + "?lang=ko")
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
