"""The error every action raises for input it cannot accept."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ActionError(ValidationError):
    """Bad input for an action. ``message_dict`` maps a field ('__all__' for none) to what to fix.

    Raised before anything is written, or inside the action's transaction so that the
    transaction rolls back: nothing is half-saved.
    """

    def __init__(self, problems: dict[str, list[str]] | str):
        if isinstance(problems, str):
            problems = {"__all__": [problems]}
        super().__init__(problems)

    @property
    def problems(self) -> dict[str, list[str]]:
        return self.message_dict
