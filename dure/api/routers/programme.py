from __future__ import annotations

from ninja import Router

from dure.api.schemas import CallOut, ErrorOut, ProgrammeOut
from dure.programmes import selectors

router = Router(tags=["programme"])


@router.get("", response={200: ProgrammeOut, 404: ErrorOut})
def get_programme(request):
    programme = selectors.programme_overview()
    if programme is None:
        return 404, {"detail": "No programme has been loaded."}
    return {
        "code": programme.code, "name_en": programme.name_en, "name_ko": programme.name_ko,
        "annual_budget_krw": programme.annual_budget_krw,
        "international_share_now": programme.international_share_now,
        "international_share_target": programme.international_share_target,
        "tracks": [
            {
                "code": t.code, "name_en": t.name_en, "name_ko": t.name_ko,
                "technologies_planned": t.technologies_planned, "horizon": t.horizon,
                "first_year_budget_krw": t.first_year_budget_krw, "total_budget_krw": t.total_budget_krw,
                "total_until_year": t.total_until_year,
                "budgets": list(t.budgets.all()),
                "technologies": [
                    {"code": x.code, "name_en": x.name_en, "name_ko": x.name_ko, "sector": x.sector.code,
                     "named_in_announcement": x.is_named_in_announcement}
                    for x in t.technologies.all()
                ],
            }
            for t in programme.tracks.all()
        ],
    }


def _call_out(call) -> dict:
    return {
        "id": call.pk, "name_en": call.name_en, "name_ko": call.name_ko, "track": call.track.code,
        "status": call.status, "opens_at": call.opens_at, "deadline": call.deadline,
        "grace_seconds": call.grace_seconds, "years": call.years,
        "max_budget_per_year_krw": call.max_budget_per_year_krw,
        "requires_foreign_partner": call.requires_foreign_partner, "requires_sme": call.requires_sme,
        "requires_ip_plan": call.requires_ip_plan,
    }


@router.get("/calls", response=list[CallOut])
def list_calls(request):
    return [_call_out(c) for c in selectors.calls_visible_to(request.user)]


@router.get("/calls/{call_id}", response={200: CallOut, 404: ErrorOut})
def get_call(request, call_id: int):
    return _call_out(selectors.access_call_by_id(request.user, call_id))
