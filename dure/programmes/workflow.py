"""The states of a call and the layers of evaluation, declared once as data.

Documentation (``dure workflow``) and the transition service read these tables; nothing
infers meaning from the names of states.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for proposals")
    CLOSED = "closed", _("Closed, in evaluation")
    DECIDED = "decided", _("Decided")


CALL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CallStatus.DRAFT: (CallStatus.OPEN,),
    CallStatus.OPEN: (CallStatus.CLOSED,),
    CallStatus.CLOSED: (CallStatus.DECIDED,),
    CallStatus.DECIDED: (),
}


class StageKind(models.TextChoices):
    ELIGIBILITY = "eligibility", _("Eligibility check")
    WRITTEN = "written", _("Anonymous written review")
    PANEL = "panel", _("Panel review")
    COOPERATION = "cooperation", _("International cooperation necessity check")
    COMMITTEE = "committee", _("Selection committee")


# The default layers of a call, in order: (kind, blind to applicants' identities?, scored?).
DEFAULT_STAGES: tuple[tuple[str, bool, bool], ...] = (
    (StageKind.ELIGIBILITY, False, False),
    (StageKind.WRITTEN, True, True),
    (StageKind.PANEL, True, True),
    (StageKind.COOPERATION, True, True),
    (StageKind.COMMITTEE, False, False),
)

SCORED_STAGES = frozenset(kind for kind, _blind, scored in DEFAULT_STAGES if scored)


class InvalidTransition(ValueError):
    pass


def check_call_transition(current: str, target: str) -> None:
    if target not in CALL_TRANSITIONS.get(current, ()):
        allowed = ", ".join(str(CallStatus(s).label) for s in CALL_TRANSITIONS.get(current, ())) or "none"
        raise InvalidTransition(
            f"A call that is '{CallStatus(current).label}' cannot become "
            f"'{CallStatus(target).label}'. Allowed next: {allowed}."
        )
