"""The programme's real figures, from the announcements summarised in DESIGN.md.

Only the figures announced are entered as such. Where a total is announced for several
years, the years after the first get an even share of the rest, marked as an estimate.
The first year is taken as 2026 (the announcements do not name the year; change FIRST_YEAR).
"""

from __future__ import annotations

from django.db import transaction

from dure.programmes.models import Programme, Sector, Technology, Track, TrackBudget

FIRST_YEAR = 2026
JO = 1_000_000_000_000  # 조
EOK = 100_000_000  # 억

SOURCE_NOTE = (
    "Figures from the programme announcements: about 5.7 trillion KRW a year of industrial R&D; "
    "international share under 6%, to rise to 15% or more. First year taken as 2026; yearly "
    "budgets after the first year are the announced totals spread evenly (marked as estimates)."
)

TRACKS = [
    dict(code=Track.Code.CHOKEPOINT, name_en="Choke-point technologies", name_ko="초격차 급소기술",
         technologies_planned=80, horizon="Commercialise within 5 years", horizon_ko="5년 내 사업화",
         first_year_budget_krw=1487 * EOK, first_year_scope="first 48 technologies", first_year_scope_ko="우선 48개 기술",
         total_budget_krw=12 * 1000 * EOK, total_until_year=2030, requires_foreign_partner=True, order=1),
    dict(code=Track.Code.ORIGINAL, name_en="Industrial original technologies", name_ko="산업 원천기술",
         technologies_planned=100, horizon="Within 10 years", horizon_ko="10년 내",
         first_year_budget_krw=665 * EOK, first_year_scope="50 projects", first_year_scope_ko="50개 과제",
         total_budget_krw=6870 * EOK, total_until_year=2028, requires_foreign_partner=True, order=2),
    dict(code=Track.Code.GAMECHANGER, name_en="Game-changer technologies", name_ko="게임체인저 기술",
         technologies_planned=10, horizon="Feasibility study first", horizon_ko="예비타당성 조사 먼저",
         first_year_budget_krw=None, total_budget_krw=1 * JO, total_is_planned=True, order=3),
]

SECTORS = [
    ("semiconductors", "Semiconductors", "반도체"),
    ("batteries", "Secondary batteries", "이차전지"),
    ("bio", "Bio", "바이오"),
    ("robotics", "Robotics", "로봇"),
    ("ai", "Artificial intelligence", "인공지능"),
    ("materials", "Materials and components", "소재·부품"),
    ("spatial", "Spatial computing", "공간컴퓨팅"),
    ("quantum", "Quantum", "양자"),
]

# (track, code, sector, English, Korean, named in the announcements?, note, partner countries, OpenAlex topics, keywords)
TECHNOLOGIES = [
    ("chokepoint", "CP-SEMI-01", "semiconductors", "Heterogeneous chip integration and advanced semiconductor packaging",
     "이종 칩 집적 및 첨단 반도체 패키징", True, "about 100 billion KRW", ["US", "TW"], [],
     ["advanced packaging", "chiplet", "heterogeneous integration", "3D integration", "interposer"]),
    ("chokepoint", "CP-MAT-01", "materials", "Rare-earth-free permanent magnets for EV motors",
     "전기차 모터용 희토류 프리 영구자석", True, "", [], [],
     ["permanent magnet", "rare-earth-free", "ferrite", "MnBi", "traction motor"]),
    ("chokepoint", "CP-BAT-01", "batteries", "Secondary battery materials and cells",
     "이차전지 소재 및 셀", False, "sector named in the track description", [], [],
     ["lithium-ion battery", "cathode", "solid-state electrolyte"]),
    ("chokepoint", "CP-ROB-01", "robotics", "Humanoid robots and their testbed",
     "휴머노이드 로봇 및 테스트베드", False, "testbed example from the GRI guidance", [], [],
     ["humanoid robot", "legged locomotion", "manipulation"]),
    ("original", "OR-AI-01", "ai", "Next-generation AI computing", "차세대 AI 컴퓨팅", True, "", [], [],
     ["AI accelerator", "neuromorphic", "in-memory computing"]),
    ("original", "OR-BIO-01", "bio", "Cell-regeneration drugs", "세포 재생 치료제", True, "", [], [],
     ["regenerative medicine", "stem cell", "cell therapy"]),
    ("original", "OR-QC-01", "quantum", "Quantum computing (superconducting, ion-trap, photonic)",
     "양자컴퓨팅 (초전도·이온트랩·광자)", False, "duplication example from the GRI guidance", [], [],
     ["quantum computing", "superconducting qubit", "trapped ion", "photonic quantum"]),
    ("gamechanger", "GC-BIO-01", "bio", "Custom artificial organs", "맞춤형 인공장기", True, "", [], [],
     ["organoid", "bioprinting", "artificial organ"]),
    ("gamechanger", "GC-SPC-01", "spatial", "Hyper-realistic spatial computing", "초실감 공간컴퓨팅", True, "", [], [],
     ["spatial computing", "extended reality", "holography"]),
]


def load_programme() -> dict:
    with transaction.atomic():
        programme, _ = Programme.objects.update_or_create(
            code="kr-industrial-rnd-open",
            defaults=dict(
                name_en="Industrial R&D programme, open to the world",
                name_ko="산업기술 R&D 글로벌 개방",
                annual_budget_krw=57 * 1000 * EOK,
                international_share_now=0.06,
                international_share_target=0.15,
                source_note=SOURCE_NOTE,
            ),
        )
        tracks: dict[str, Track] = {}
        for spec in TRACKS:
            track, _ = Track.objects.update_or_create(programme=programme, code=spec["code"], defaults=spec)
            tracks[track.code] = track
            _yearly_budgets(track)
        sectors = {}
        for code, en, ko in SECTORS:
            sectors[code], _ = Sector.objects.update_or_create(code=code, defaults=dict(name_en=en, name_ko=ko))
        technologies = {}
        for track_code, code, sector, en, ko, named, note, countries, topics, keywords in TECHNOLOGIES:
            technologies[code], _ = Technology.objects.update_or_create(
                code=code,
                defaults=dict(
                    track=tracks[track_code], sector=sectors[sector], name_en=en, name_ko=ko,
                    is_named_in_announcement=named, budget_note=note, partner_countries=countries,
                    openalex_topics=topics, keywords=keywords,
                ),
            )
    return {"programme": programme, "tracks": tracks, "technologies": technologies, "sectors": sectors}


def _yearly_budgets(track: Track) -> None:
    if not track.first_year_budget_krw or not track.total_until_year:
        return
    TrackBudget.objects.update_or_create(
        track=track, year=FIRST_YEAR, defaults=dict(amount_krw=track.first_year_budget_krw, is_estimate=False)
    )
    later = list(range(FIRST_YEAR + 1, track.total_until_year + 1))
    rest = track.total_budget_krw - track.first_year_budget_krw
    for i, year in enumerate(later):
        share = rest // len(later) + (1 if i < rest % len(later) else 0)
        TrackBudget.objects.update_or_create(track=track, year=year, defaults=dict(amount_krw=share, is_estimate=True))
