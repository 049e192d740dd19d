"""Who sees what at each layer of evaluation, declared once as data.

The review pages read this table and nothing else to decide what a reviewer at a stage is
shown; a stage's ``is_blind`` flag (per call) can only add redaction, never remove it.
Applicants never see pseudonyms, names or timing at any stage (see ``applicant_feedback``).
"""

from __future__ import annotations

from dataclasses import dataclass

from dure.programmes.models import Stage
from dure.programmes.workflow import StageKind


@dataclass(frozen=True)
class StageVisibility:
    redact_identities: bool  # consortium names, people, e-mails and URLs hidden from reviewers
    peer_reviews: bool  # other reviewers' reviews at the same stage, by pseudonym
    earlier_reviews: bool  # the written-stage reviews, by pseudonym
    rebuttal: bool  # the applicant's answer to the written-stage questions
    cooperation_evidence: bool  # the cooperation statement with the technology map's evidence
    discussion: bool  # a comment thread per proposal, under pseudonyms


STAGE_VISIBILITY: dict[str, StageVisibility] = {
    StageKind.ELIGIBILITY: StageVisibility(False, False, False, False, False, False),
    StageKind.WRITTEN: StageVisibility(True, False, False, False, False, False),
    StageKind.PANEL: StageVisibility(True, True, True, True, False, True),
    StageKind.COOPERATION: StageVisibility(True, False, False, True, True, False),
    StageKind.COMMITTEE: StageVisibility(False, True, True, True, True, False),
}


def visibility_for(stage: Stage) -> StageVisibility:
    rule = STAGE_VISIBILITY[stage.kind]
    if stage.is_blind and not rule.redact_identities:
        return StageVisibility(True, *(getattr(rule, f) for f in
                                       ("peer_reviews", "earlier_reviews", "rebuttal", "cooperation_evidence",
                                        "discussion")))
    return rule
