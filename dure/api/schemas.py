"""Response and request shapes of the API."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class ErrorOut(Schema):
    detail: str
    problems: dict[str, list[str]] | None = None


class TrackBudgetOut(Schema):
    year: int
    amount_krw: int
    committed_krw: int
    is_estimate: bool


class TechnologyOut(Schema):
    code: str
    name_en: str
    name_ko: str
    sector: str
    named_in_announcement: bool


class TrackOut(Schema):
    code: str
    name_en: str
    name_ko: str
    technologies_planned: int
    horizon: str
    first_year_budget_krw: int | None
    total_budget_krw: int | None
    total_until_year: int | None
    budgets: list[TrackBudgetOut]
    technologies: list[TechnologyOut]


class ProgrammeOut(Schema):
    code: str
    name_en: str
    name_ko: str
    annual_budget_krw: int
    international_share_now: float
    international_share_target: float
    tracks: list[TrackOut]


class CallOut(Schema):
    id: int
    name_en: str
    name_ko: str
    track: str
    status: str
    opens_at: datetime
    deadline: datetime
    grace_seconds: int
    years: list[int]
    max_budget_per_year_krw: int
    requires_foreign_partner: bool
    requires_sme: bool
    requires_ip_plan: bool


class OrganisationOut(Schema):
    id: int
    ror_id: str | None
    name_en: str
    name_ko: str
    kind: str
    country_code: str
    is_sample: bool


class PublicTrackSummary(Schema):
    track: str
    name_en: str
    name_ko: str
    projects: int
    committed_krw: int


class PublicSummaryOut(Schema):
    programme: str
    funded_projects: int
    committed_krw: int
    international_share: float
    international_share_target: float
    tracks: list[PublicTrackSummary]


def reject_nul(value):
    """PostgreSQL text cannot hold NUL characters: refuse them as bad input (422), not a 500."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters (\\x00)")
    return value
