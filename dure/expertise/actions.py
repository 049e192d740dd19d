"""Every write of the expertise app: works and aliases, deep conflict detection, assignment runs.

Conflict rows are written here in one transaction with an audit row; assignments are
written only by :func:`dure.review.actions.check_apply_assignment` (which takes the
``assignment:<stage>`` and ``reviewer-load:<user>`` locks and re-checks every pair).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from dure.accounts.errors import ActionError
from dure.accounts.models import Role, User
from dure.audit.actions import record
from dure.audit.locks import lock
from dure.core.conflicts import ConflictDetector
from dure.expertise import pipeline
from dure.expertise.identities import conflict_inputs, user_record_id
from dure.expertise.models import AssignmentRun, ExpertWork, PersonAlias, RunStatus, WorkKind
from dure.organisations.models import Organisation
from dure.programmes.models import Stage
from dure.review import selectors as review_selectors
from dure.review.actions import check_apply_assignment
from dure.review.models import Assignment, Conflict, ConflictKind, ConflictSource

DEFAULT_COAUTHOR_WINDOW_YEARS = 3

# ------------------------------------------------------------------ works and aliases


def check_add_work(actor: User | None, person: User, *, title: str, abstract: str = "", year: int | None = None,
                   kind: str = WorkKind.PUBLICATION, external_id: str = "", coauthors: Sequence[dict] = (),
                   keywords: Sequence[str] = (), source: str = "", is_sample: bool = False) -> ExpertWork:
    title = (title or "").strip()
    problems: dict[str, list[str]] = {}
    if not title:
        problems["title"] = ["Give the work's title."]
    if kind not in WorkKind.values:
        problems["kind"] = [f"Kind must be one of: {', '.join(WorkKind.values)}."]
    if year is not None and not (1900 <= int(year) <= timezone.now().year + 1):
        problems["year"] = ["Give the year the work appeared (four digits)."]
    if any(not isinstance(c, dict) for c in coauthors):
        problems["coauthors"] = ["Each co-author is a record with a name, e-mail, ORCID or organisation."]
    if problems:
        raise ActionError(problems)
    with transaction.atomic():
        if external_id and ExpertWork.objects.filter(person=person, external_id=external_id).exists():
            raise ActionError({"external_id": [f"{external_id} is already on {person.name}'s record."]})
        work = ExpertWork.objects.create(person=person, title=title[:500], abstract=abstract or "", year=year,
                                         kind=kind, external_id=external_id, coauthors=list(coauthors),
                                         keywords=list(keywords), source=source, is_sample=is_sample)
        record(actor, "expertise.work_added", work, person=person.pk, kind=kind, external_id=external_id,
               is_sample=is_sample)
    return work


def check_add_alias(actor: User | None, person: User, *, name: str = "", email: str = "", orcid: str = "",
                    organisation: Organisation | None = None, is_sample: bool = False) -> PersonAlias:
    name, email, orcid = (name or "").strip(), (email or "").strip(), (orcid or "").strip()
    if not (name or email or orcid or organisation):
        raise ActionError("An alias needs at least a name, an e-mail, an ORCID or an organisation.")
    if orcid:
        from dure.core.identity import normalise_orcid

        if normalise_orcid(orcid) is None:
            raise ActionError({"orcid": ["This is not a valid ORCID (16 digits, last one a checksum)."]})
    with transaction.atomic():
        alias = PersonAlias.objects.create(person=person, name=name, email=email, orcid=orcid,
                                           organisation=organisation, is_sample=is_sample)
        record(actor, "expertise.alias_added", alias, person=person.pk, sensitive=True)
    return alias


def openalex_short_id(work_id: str) -> str:
    """``W2741809807`` from ``https://openalex.org/W2741809807`` (or from itself)."""
    return work_id.strip().rsplit("/", 1)[-1].upper()


def openalex_coauthors(work) -> list[dict]:
    """Co-author records of an OpenAlex work: name, OpenAlex author id, ROR ids."""
    return [{"name": a.author_name, "openalex_id": a.author_id, "ror_ids": list(a.ror_ids)}
            for a in work.authorships if a.author_name]


def check_attach_openalex_works(actor: User | None, person: User, path: str | os.PathLike[str], *,
                                work_ids: Iterable[str] = (), limit: int = 20,
                                is_sample: bool = False) -> list[ExpertWork]:
    """Attach the OpenAlex works ``work_ids`` (W-ids) found in ``path`` to ``person``'s record."""
    from dure.core.importers.openalex import iter_openalex_works

    wanted = {openalex_short_id(w) for w in work_ids if w.strip()}
    if not wanted:
        raise ActionError({"work_ids": ["Give one or more OpenAlex work ids (W...)."]})
    if not os.path.exists(path):
        raise ActionError(f"The OpenAlex works file {path} does not exist.")
    found = []
    for work in iter_openalex_works(path):
        if openalex_short_id(work.id) in wanted:
            found.append(work)
            if len(found) >= min(limit, len(wanted)):
                break
    missing = wanted - {openalex_short_id(w.id) for w in found}
    if missing:
        raise ActionError({"work_ids": [f"Not in the OpenAlex file: {', '.join(sorted(missing))}."]})
    with transaction.atomic():
        created = [
            check_add_work(actor, person, title=w.title, abstract=w.abstract, year=w.year,
                           external_id=openalex_short_id(w.id),
                           coauthors=openalex_coauthors(w), source="openalex", is_sample=is_sample,
                           keywords=[t.name for t in w.topics[:3]] or [c.name for c in w.concepts[:3]])
            for w in found
            if not ExpertWork.objects.filter(person=person, external_id=openalex_short_id(w.id)).exists()
        ]
    return created


# ------------------------------------------------------------------ conflicts


def do_detect_conflicts_deep(manager: User | None, stage: Stage, *,
                             coauthor_window_years: int = DEFAULT_COAUTHOR_WINDOW_YEARS,
                             reference_year: int | None = None) -> list[Conflict]:
    """Link identities, run every conflict rule of the core, store the new conflicts.

    Same organisation (with parent/child), consortium member, co-authorship and joint
    projects within ``coauthor_window_years``, joint patents (any year), declared ties, and
    reciprocal review over the call's current assignments. Existing rows (and any decision
    on them) are kept; returns the rows created.
    """
    if coauthor_window_years < 0 or coauthor_window_years > 50:
        raise ActionError({"window": ["The co-authorship window is 0 to 50 years."]})
    proposals = list(review_selectors.proposals_at_stage(stage).select_related("consortium", "lead_user")
                     .order_by("pk"))
    reviewers = list(User.objects.filter(role=Role.REVIEWER, is_active=True).select_related("organisation")
                     .order_by("pk"))
    inputs = conflict_inputs(proposals, reviewers)
    current = [(str(a.proposal_id), user_record_id(a.reviewer_id))
               for a in Assignment.objects.filter(stage__call_id=stage.call_id)]
    detector = ConflictDetector(coauthor_window_years=coauthor_window_years,
                                organisation_parents=inputs.organisation_parents)
    found = detector.detect(inputs.parties, inputs.reviewer_identities, identities=inputs.identities,
                            works=inputs.works, ties=inputs.ties,
                            reference_year=reference_year or dt.date.today().year, proposed_pairs=current)
    created: list[Conflict] = []
    kinds = set(ConflictKind.values)
    with transaction.atomic():
        lock(f"assignment:{stage.pk}")
        for c in found:
            if c.kind not in kinds:
                continue
            for user_id in inputs.reviewers_of_identity.get(c.person_id, []):
                row, new = Conflict.objects.get_or_create(
                    proposal_id=int(c.proposal_id), person_id=user_id, kind=c.kind,
                    defaults={"source": ConflictSource.DETECTED, "evidence": _readable(c.evidence, inputs)},
                )
                if new:
                    created.append(row)
        record(manager, "conflicts.detected_deep", stage, new=len(created), found=len(found),
               window=coauthor_window_years, identities=len(inputs.identities))
    return created


def _readable(evidence: str, inputs) -> str:
    """Replace record ids (u:12, o:3, w:5:0) in the core's evidence by names."""
    import re

    names = {rid: n for ident in inputs.identities for rid, n in
             ((r, ident.names[0] if ident.names else r) for r in ident.record_ids)}
    org_ids = {int(m) for m in re.findall(r"\bo:(\d+)", evidence)}
    orgs = {f"o:{pk}": name for pk, name in Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name_en")}

    def swap(m: re.Match) -> str:
        key = m.group(0)
        return orgs.get(key) or names.get(key, key)

    return re.sub(r"\b[uow]:\d+(?::\d+)?", swap, evidence)


# ------------------------------------------------------------------ assignment runs


def check_propose_assignment(manager: User, stage: Stage, *, mode: str, seed: int | None = None,
                             max_probability: float | None = None, balance: bool = True,
                             pinned: Sequence[tuple[int, int]] = (),
                             forbidden: Sequence[tuple[int, int]] = ()) -> AssignmentRun:
    """Solve for the stage and save the run (a preview, or the diagnosis); nothing is assigned."""
    if stage.is_closed:
        raise ActionError("This stage is closed; assignments can no longer change.")
    if not review_selectors.is_scored(stage):
        raise ActionError("Reviewers are assigned only at scored stages.")
    problems: dict[str, list[str]] = {}
    if mode not in pipeline.MODES:
        problems["mode"] = [f"Choose one of: {', '.join(pipeline.MODES)}."]
    if mode == "randomized":
        if seed is None:
            problems["seed"] = ["The randomized mode needs a seed, so the draw can be reproduced."]
        if max_probability is None or not (0 < max_probability <= 1):
            problems["max_probability"] = ["Give the largest probability of any pair, above 0 and at most 1."]
    if problems:
        raise ActionError(problems)
    max_probability = max_probability if mode == "randomized" else None
    pinned = sorted({(int(p), int(r)) for p, r in pinned})
    forbidden = sorted({(int(p), int(r)) for p, r in forbidden} - set(pinned))
    outcome = pipeline.solve_stage(stage, mode=mode, seed=seed, max_probability=max_probability,
                                   balance=balance, pinned=pinned, forbidden=forbidden)
    with transaction.atomic():
        run = AssignmentRun.objects.create(
            stage=stage, created_by=manager, mode=mode, seed=seed,
            max_probability=max_probability, balance=balance,
            pinned=[list(x) for x in pinned], forbidden=[list(x) for x in forbidden],
            inputs_digest=outcome.inputs_digest, inputs=outcome.inputs, engine=outcome.engine,
            status=RunStatus.PROPOSED if outcome.ok else RunStatus.INFEASIBLE,
            pairs=[[p, r, a] for p, r, a in outcome.pairs], total_affinity=outcome.total_affinity,
            diagnosis=outcome.diagnosis, diagnosis_data=outcome.diagnosis_data,
        )
        record(manager, "assignment.proposed", run, stage=stage.pk, mode=mode, seed=seed, status=run.status,
               pairs=len(outcome.pairs), inputs_digest=outcome.inputs_digest)
    return run


def check_apply_run(manager: User, run: AssignmentRun) -> list[Assignment]:
    """Validate the previewed run again against today's data, then apply it all or nothing."""
    if run.status != RunStatus.PROPOSED:
        raise ActionError("Only a proposed plan can be applied (this one is "
                          f"{run.get_status_display().lower()}).")
    stage = run.stage
    violations = pipeline.validate_run(run)
    if violations:
        raise ActionError("The plan no longer holds: " + " ".join(violations)
                          + " Nothing was applied; run the assignment again.")
    by_proposal = {p.pk: p for p in review_selectors.proposals_at_stage(stage)}
    reviewers = {u.pk: u for u in User.objects.filter(pk__in=[r for _, r, _ in run.pairs])}
    pairs = [(by_proposal[p], reviewers[r], a) for p, r, a in run.pairs]
    with transaction.atomic():
        locked = AssignmentRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != RunStatus.PROPOSED:
            raise ActionError("This plan was applied already.")
        created = check_apply_assignment(manager, stage, pairs, mode=run.mode, seed=run.seed)
        locked.status = RunStatus.APPLIED
        locked.applied_at = timezone.now()
        locked.save(update_fields=["status", "applied_at"])
        record(manager, "assignment.run_applied", locked, stage=stage.pk, pairs=len(created),
               inputs_digest=run.inputs_digest, sensitive=True)
    run.refresh_from_db()
    return created
