"""Demo: real evidence (OpenAlex works sample, PatentsView NVIDIA subset, the demo's proposals).

Reads from ``ctx``: "users" ("manager"), "technologies" (code -> Technology; their keywords
come from dure/demo/programme.py). Run after the proposals demo so submitted proposals count
as project evidence (it also works before; projects are then synced on the next run).
Writes to ``ctx``: "evidence" (dict kind -> number of evidence items) and "techmap_topics"
(dict technology code -> OpenAlex topic ids stored on the technology).

The works and patents are real records; nothing invented is created here. Organisations
named on technology evidence by a ROR id Dure does not hold yet are created from ROR.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from dure.core.affiliation import AffiliationMatcher
from dure.core.importers.report import ImportReport
from dure.core.importers.ror import iter_ror_records
from dure.core.techmap import load_openalex_topics
from dure.techmap import actions, selectors

WORKS = Path("openalex_works_sample") / "openalex_works_sample_2022.jsonl.gz"
PATENTS = Path("patents") / "nvidia_subset"


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def load(ctx: dict) -> None:
    manager = ctx["users"]["manager"]
    base = data_dir()
    topics = load_openalex_topics(base / "openalex_topics")
    ctx["techmap_topics"] = {code: actions.map_technology_topics(manager, t, topics)
                             for code, t in ctx["technologies"].items() if t.keywords}
    records = actions.ror_records()
    matcher = AffiliationMatcher().fit(records)
    if (base / WORKS).is_file():
        actions.import_openalex_works(manager, base / WORKS, matcher=matcher)
    if (base / PATENTS).is_dir():
        actions.import_patents(manager, base / PATENTS, matcher=matcher)
    actions.sync_project_evidence(manager)
    actions.link_technologies(manager)
    actions.create_missing_organisations(manager, _records_for_evidence(records, base))
    ctx["evidence"] = selectors.evidence_summary()
    # embed the evidence now (cached on disk), so the first demand page matches by meaning
    ctx["evidence_vectors"] = selectors.warm_evidence_embeddings()


def _records_for_evidence(records, base: Path):
    """The shipped ROR records, then any others the partial registry dump holds."""
    yield from records
    full = base / "ror" / "ror_v2_latest_from_ror-records.jsonl.gz"
    if full.is_file():
        yield from iter_ror_records(full, report=ImportReport())
