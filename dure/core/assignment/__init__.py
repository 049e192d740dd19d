"""Reviewer assignment: conflict-aware, load-limited, panel rules, three solver modes.

ids -> arrays (:class:`AssignmentProblem`) -> :class:`ReviewerAssigner` ->
:class:`AssignmentResult` -> :func:`validate_assignment`. When no assignment exists the
solver raises :class:`InfeasibleAssignment` whose ``diagnosis_`` says why.
"""

from dure.core.assignment.diagnosis import (
    Diagnosis,
    InfeasibleAssignment,
    ProposalShortfall,
    diagnose,
)
from dure.core.assignment.network import PinError
from dure.core.assignment.problem import (
    REVIEWER_KINDS,
    AssignmentProblem,
    AssignmentResult,
    ProposalSpec,
    ReviewerSpec,
    Violation,
    validate_assignment,
)
from dure.core.assignment.solvers import MODES, ReviewerAssigner

__all__ = [
    "MODES",
    "REVIEWER_KINDS",
    "AssignmentProblem",
    "AssignmentResult",
    "Diagnosis",
    "InfeasibleAssignment",
    "PinError",
    "ProposalShortfall",
    "ProposalSpec",
    "ReviewerAssigner",
    "ReviewerSpec",
    "Violation",
    "diagnose",
    "validate_assignment",
]
