"""Reads for the expertise pages; every page is the programme manager's alone.

``access_*`` functions fetch and authorise at once: anyone else gets the same 404 as for
a thing that does not exist.
"""

from __future__ import annotations

from collections import defaultdict

from dure.accounts.models import Role, User
from dure.accounts.permissions import NotFoundOrForbidden
from dure.expertise.models import AffinityMatrix, AssignmentRun, ExpertWork, PersonAlias
from dure.programmes.models import Stage
from dure.review import selectors as review_selectors
from dure.review.models import Conflict


def access_stage(user, stage_id) -> Stage:
    return review_selectors.access_stage_for_manager(user, stage_id)


def access_person(user, person_id) -> User:
    if not user.has_role(Role.MANAGER):
        raise NotFoundOrForbidden("person")
    try:
        return User.objects.select_related("organisation").get(pk=person_id, role=Role.REVIEWER)
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("person") from None


def access_run(user, run_id) -> AssignmentRun:
    if not user.has_role(Role.MANAGER):
        raise NotFoundOrForbidden("run")
    try:
        return AssignmentRun.objects.select_related("stage", "stage__call", "created_by").get(pk=run_id)
    except (AssignmentRun.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("run") from None


def reviewers_with_records():
    from django.db.models import Count

    return (User.objects.filter(role=Role.REVIEWER).select_related("organisation")
            .annotate(n_works=Count("expert_works", distinct=True), n_aliases=Count("aliases", distinct=True))
            .order_by("display_name", "username"))


def profile(person: User) -> dict:
    from dure.expertise.identities import identity_of_user

    works = list(ExpertWork.objects.filter(person=person).order_by("-year", "pk"))
    for w in works:
        w.coauthor_names = [str(c.get("name") or c.get("email") or c.get("orcid") or "")
                            for c in (w.coauthors or []) if isinstance(c, dict)]
    ident = identity_of_user(person)
    return {
        "person": person,
        "works": works,
        "aliases": list(PersonAlias.objects.filter(person=person).select_related("organisation")),
        "identity": ident,
        "conflicts": list(Conflict.objects.filter(person=person).select_related("proposal")),
        "sample_works": sum(w.is_sample for w in works),
    }


def stage_conflicts(stage: Stage) -> list[Conflict]:
    ids = review_selectors.proposals_at_stage(stage).values("pk")
    return list(Conflict.objects.filter(proposal_id__in=ids).select_related("proposal", "person",
                                                                             "person__organisation")
                .order_by("proposal_id", "person_id", "kind"))


def runs_of(stage: Stage):
    return AssignmentRun.objects.filter(stage=stage).select_related("created_by")


def cached_matrix(stage: Stage) -> AffinityMatrix | None:
    return AffinityMatrix.objects.filter(stage=stage).first()


def preview(run: AssignmentRun) -> dict:
    """Rows per proposal: proposed reviewers with affinity and driving works; excluded pairs and why."""
    from dure.expertise.pipeline import build_problem

    sp = build_problem(run.stage, balance=run.balance, pinned=[tuple(x) for x in run.pinned],
                       forbidden=[tuple(x) for x in run.forbidden])
    reviewers = {r.pk: r for r in sp.reviewers}
    titles = {p.pk: p for p in sp.proposals + sp.complete}
    planned = defaultdict(list)
    for p, r, a in run.pairs:
        planned[p].append((r, a))
    pinned = {tuple(x) for x in run.pinned}
    forbidden = {tuple(x) for x in run.forbidden}
    rows = []
    for p in sp.proposals:
        proposed = [{
            "reviewer": reviewers.get(r) or User.objects.get(pk=r), "affinity": a,
            "why": sp.affinities.explanation(p.pk, r), "pinned": (p.pk, r) in pinned,
        } for r, a in sorted(planned.get(p.pk, []), key=lambda x: -x[1])]
        excluded = [{"reviewer": reviewers[r], "reasons": reasons, "forbidden": (p.pk, r) in forbidden}
                    for (pid, r), reasons in sorted(sp.excluded.items()) if pid == p.pk and r in reviewers]
        chosen = {r for r, _ in planned.get(p.pk, [])}
        others = sorted((r for r in sp.reviewers if r.pk not in chosen and (p.pk, r.pk) not in sp.excluded),
                        key=lambda r: -sp.affinities.score(p.pk, r.pk))
        rows.append({"proposal": p, "proposed": proposed, "excluded": excluded,
                     "candidates": [(r, sp.affinities.score(p.pk, r.pk)) for r in others]})
    shortfalls = [{**s, "title": titles[int(s["proposal"])].title if s["proposal"].isdigit()
                   and int(s["proposal"]) in titles else s["proposal"]}
                  for s in run.diagnosis_data.get("shortfalls", [])]
    return {"rows": rows, "engine": sp.affinities.engine, "engine_note": sp.affinities.note,
            "complete": sp.complete, "shortfalls": shortfalls,
            "current_digest_matches": _same_inputs(run, sp)}


def _same_inputs(run: AssignmentRun, sp) -> bool:
    from dure.expertise.pipeline import digest_of

    digest = digest_of(sp.inputs(), run.mode, run.seed, run.max_probability)
    return digest == run.inputs_digest
