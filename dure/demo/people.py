"""Real organisations from ROR, a few sample SMEs, and one sample person per role."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from dure.accounts.models import ExpertKind, Role, User
from dure.core.importers.report import ImportReport
from dure.core.importers.ror import iter_ror_records, read_nst_institutes
from dure.organisations.actions import check_create_organisation, do_import_ror
from dure.organisations.models import Organisation, OrgKind

DEMO_PASSWORD = "dure-demo-2026"

# Short names used by the demo, with their ROR ids (real records).
REAL_ORGS = {
    "kims": "https://ror.org/01rwkhb30",  # Korea Institute of Materials Science
    "kist": "https://ror.org/05kzfa883",
    "etri": "https://ror.org/03ysstz10",
    "kaist": "https://ror.org/05apxxy63",
    "snu": "https://ror.org/04h9pn542",
    "postech": "https://ror.org/04xysgw12",
    "samsung": "https://ror.org/020m7t761",
    "hyundai": "https://ror.org/05kxbz959",  # Hyundai Motor Group
    "hd_hyundai": "https://ror.org/0433haa75",  # Hyundai Heavy Industries
    "mit": "https://ror.org/042nb2s44",
    "stanford": "https://ror.org/00f54p054",
    "fraunhofer": "https://ror.org/05hkkdn48",
    "riken": "https://ror.org/01sjwvz98",
    "ntu_tw": "https://ror.org/05bqach95",  # National Taiwan University
}

SAMPLE_SMES = {
    "sme_magnet": ("Hanbit Magnetics (sample)", "한빛자석 (예시)", "Changwon"),
    "sme_package": ("Nuri Package Tech (sample)", "누리패키지테크 (예시)", "Cheonan"),
}

# username: (role, organisation short name, display name, expert kind, e-mail)
PEOPLE = {
    "manager": (Role.MANAGER, None, "김지원 (sample manager)", "", "manager@dure.example.org"),
    "manager2": (Role.MANAGER, None, "이서연 (sample manager)", "", "manager2@dure.example.org"),
    "company": (Role.COMPANY, "sme_magnet", "박민준 (sample, Hanbit Magnetics)", "", "company@dure.example.org"),
    "company_large": (Role.COMPANY, "hd_hyundai", "최동현 (sample, HHI)", "", "company.large@dure.example.org"),
    "research": (Role.RESEARCH, "kims", "정하은 (sample, KIMS)", "", "research@dure.example.org"),
    "research2": (Role.RESEARCH, "kaist", "강도윤 (sample, KAIST)", "", "research2@dure.example.org"),
    "foreign": (Role.RESEARCH, "mit", "Alex Morgan (sample, MIT)", "", "foreign@dure.example.org"),
    "reviewer1": (Role.REVIEWER, "snu", "윤서준 (sample reviewer)", ExpertKind.ACADEMIC, "reviewer1@dure.example.org"),
    "reviewer2": (Role.REVIEWER, "postech", "임지아 (sample reviewer)", ExpertKind.ACADEMIC, "reviewer2@dure.example.org"),
    "reviewer3": (Role.REVIEWER, "etri", "한예준 (sample reviewer)", ExpertKind.INSTITUTE, "reviewer3@dure.example.org"),
    "reviewer4": (Role.REVIEWER, "kist", "오수빈 (sample reviewer)", ExpertKind.INSTITUTE, "reviewer4@dure.example.org"),
    "reviewer5": (Role.REVIEWER, "samsung", "서지호 (sample reviewer)", ExpertKind.INDUSTRY, "reviewer5@dure.example.org"),
    "reviewer6": (Role.REVIEWER, "hyundai", "신유나 (sample reviewer)", ExpertKind.INDUSTRY, "reviewer6@dure.example.org"),
    "reviewer7": (Role.REVIEWER, "stanford", "Jordan Lee (sample reviewer)", ExpertKind.ACADEMIC, "reviewer7@dure.example.org"),
    "reviewer8": (Role.REVIEWER, "fraunhofer", "Mira Keller (sample reviewer)", ExpertKind.INSTITUTE, "reviewer8@dure.example.org"),
    "auditor": (Role.AUDITOR, None, "장민서 (sample auditor)", "", "auditor@dure.example.org"),
    "auditor2": (Role.AUDITOR, None, "조현우 (sample auditor)", "", "auditor2@dure.example.org"),
    "citizen": (Role.PUBLIC, None, "시민 홍길동 (sample)", "", "citizen@dure.example.org"),
}


def ror_dir() -> Path:
    return Path(settings.DATA_DIR) / "ror"


def load_organisations(actor=None) -> dict[str, Organisation]:
    base = ror_dir()
    if not (base / "ror_kr_v2.jsonl").is_file():
        raise FileNotFoundError(
            f"The ROR files are not at {base}. Put the shared data folder beside the repository "
            "(../shared/data) or set DURE_DATA_DIR to the folder that holds ror/."
        )
    nst_ids = frozenset(i.ror_id for i in read_nst_institutes(base / "nst_member_institutes_from_ror.csv"))
    report = ImportReport()
    records = list(iter_ror_records(base / "ror_kr_v2.jsonl", report=report))
    records += list(iter_ror_records(base / "ror_kr_v1schema_only.jsonl", report=report))
    records += list(iter_ror_records(base / "ror_foreign_top_subset_v2.jsonl", report=report))
    wanted_extra = {REAL_ORGS["ntu_tw"]}
    have = {r.ror_id for r in records}
    big = base / "ror_v2_latest_from_ror-records.jsonl.gz"
    if big.is_file() and not wanted_extra <= have:
        records += [r for r in iter_ror_records(big, report=report) if r.ror_id in wanted_extra]
    do_import_ror(actor, records, nst_ids=nst_ids)
    orgs = {short: Organisation.objects.get(ror_id=rid) for short, rid in REAL_ORGS.items()
            if Organisation.objects.filter(ror_id=rid).exists()}
    for short, (en, ko, city) in SAMPLE_SMES.items():
        existing = Organisation.objects.filter(name_en=en, is_sample=True).first()
        orgs[short] = existing or check_create_organisation(
            actor, name_en=en, name_ko=ko, kind=OrgKind.SME, country_code="KR", city=city, is_sample=True
        )
    return orgs


def load_people(orgs: dict[str, Organisation]) -> dict[str, User]:
    users = {}
    with transaction.atomic():
        for username, (role, org, name, kind, email) in PEOPLE.items():
            user, created = User.objects.get_or_create(
                username=username,
                defaults=dict(role=role, organisation=orgs.get(org) if org else None, display_name=name,
                              expert_kind=kind, email=email, is_sample=True),
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            users[username] = user
    return users
