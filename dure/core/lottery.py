"""The funding line with partial randomisation, and its re-runnable lottery record.

Given a :class:`~dure.core.ranking.Ranking` and ``fundable`` places:

* proposals whose whole rank interval lies inside the places (``rank_high <= fundable``)
  are ``funded``;
* proposals whose interval crosses the line (``rank_low <= fundable < rank_high``) form
  the lottery band and draw the remaining places: ``lottery_funded`` or
  ``lottery_not_funded``;
* the rest are ``not_funded``.

Edge cases keep exactly ``min(fundable, n_proposals)`` funded in total. If more proposals
are clearly above than there are places, the ones with the worst upper rank move into the
band until a place is left to draw. If the band is smaller than the remaining places, the
next proposals in expected-rank order join it; a band no larger than its places needs no
draw and is simply funded.

The draw (algorithm ``dure-lottery-v1``): the inputs (algorithm, ordered candidate ids,
places, published seed string) are written as canonical JSON; its sha256 is the input
digest; the first 16 bytes of the digest, as a big-endian integer, seed numpy's PCG64 bit
generator; ``random_raw(len(candidates))`` gives one 64-bit key per candidate, in
candidate order; the ``places`` candidates with the smallest keys (ties by position) win.
Only the bit generator's raw stream is used, which numpy keeps stable across versions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dure.core.ranking import Ranking

__all__ = [
    "ALGORITHM",
    "DECISIONS",
    "FundingDecision",
    "FundingLine",
    "LotteryInputError",
    "LotteryRecord",
    "draw_funding_line",
    "draw_lottery",
    "rerun_lottery",
]

ALGORITHM = "dure-lottery-v1"
FUNDED = "funded"
LOTTERY_FUNDED = "lottery_funded"
LOTTERY_NOT_FUNDED = "lottery_not_funded"
NOT_FUNDED = "not_funded"
DECISIONS = (FUNDED, LOTTERY_FUNDED, LOTTERY_NOT_FUNDED, NOT_FUNDED)


class LotteryInputError(ValueError):
    """A lottery or funding-line request (or a stored record) is malformed."""


@dataclass(frozen=True)
class LotteryRecord:
    """Everything needed to re-run a draw, and what it gave.

    Inputs: ``candidates`` (ids as strings, in ranking order), ``places``, ``seed`` (the
    value published before the draw) and ``algorithm``. Outputs: ``winners`` (in candidate
    order) and ``input_digest`` (sha256 of the canonical inputs).
    """

    candidates: tuple[str, ...]
    places: int
    seed: str
    algorithm: str
    input_digest: str
    winners: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "candidates": list(self.candidates),
            "places": self.places,
            "seed": self.seed,
            "input_digest": self.input_digest,
            "winners": list(self.winners),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LotteryRecord:
        missing = [k for k in ("algorithm", "candidates", "places", "seed", "input_digest", "winners") if k not in data]
        if missing:
            raise LotteryInputError(f"lottery record lacks the field(s) {', '.join(missing)}")
        cands, winners = data["candidates"], data["winners"]
        if not isinstance(cands, list) or not all(isinstance(c, str) for c in cands):
            raise LotteryInputError("lottery record field 'candidates' must be a list of strings")
        if not isinstance(winners, list) or not all(isinstance(c, str) for c in winners):
            raise LotteryInputError("lottery record field 'winners' must be a list of strings")
        places = data["places"]
        if not isinstance(places, int) or isinstance(places, bool):
            raise LotteryInputError("lottery record field 'places' must be an integer")
        for key in ("seed", "algorithm", "input_digest"):
            if not isinstance(data[key], str):
                raise LotteryInputError(f"lottery record field {key!r} must be a string")
        return cls(
            candidates=tuple(cands),
            places=places,
            seed=data["seed"],
            algorithm=data["algorithm"],
            input_digest=data["input_digest"],
            winners=tuple(winners),
        )

    @classmethod
    def from_json(cls, text: str) -> LotteryRecord:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LotteryInputError(f"lottery record is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise LotteryInputError("lottery record must be a JSON object")
        return cls.from_dict(data)


def _canonical_inputs(candidates: Sequence[str], places: int, seed: str, algorithm: str) -> bytes:
    doc = {"algorithm": algorithm, "candidates": list(candidates), "places": places, "seed": seed}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _draw(candidates: Sequence[str], places: int, seed: str, algorithm: str) -> tuple[str, tuple[str, ...]]:
    if algorithm != ALGORITHM:
        raise LotteryInputError(f"unknown lottery algorithm {algorithm!r}; this version runs {ALGORITHM!r}")
    digest = hashlib.sha256(_canonical_inputs(candidates, places, seed, algorithm)).digest()
    if places <= 0:
        return digest.hex(), ()
    if places >= len(candidates):
        return digest.hex(), tuple(candidates)
    bitgen = np.random.PCG64(int.from_bytes(digest[:16], "big"))
    keys = bitgen.random_raw(len(candidates))
    order = np.lexsort((np.arange(len(candidates)), keys))
    chosen = sorted(int(i) for i in order[:places])
    return digest.hex(), tuple(candidates[i] for i in chosen)


def draw_lottery(candidates: Sequence[Any], places: int, seed: str) -> LotteryRecord:
    """Draw ``places`` winners among ``candidates`` (ids, turned into strings)."""
    if not isinstance(seed, str) or not seed.strip():
        raise LotteryInputError("the lottery seed must be a non-empty string published before the draw")
    cands = tuple(str(c) for c in candidates)
    if len(set(cands)) != len(cands):
        raise LotteryInputError("lottery candidates must be distinct ids")
    if isinstance(places, bool) or not isinstance(places, int | np.integer) or places < 0:
        raise LotteryInputError(f"places must be a non-negative integer, got {places!r}")
    digest, winners = _draw(cands, int(places), seed, ALGORITHM)
    return LotteryRecord(cands, int(places), seed, ALGORITHM, digest, winners)


def rerun_lottery(record: LotteryRecord) -> LotteryRecord:
    """Re-run a recorded draw from its inputs alone; compare the result with ``record``."""
    digest, winners = _draw(record.candidates, record.places, record.seed, record.algorithm)
    return LotteryRecord(record.candidates, record.places, record.seed, record.algorithm, digest, winners)


@dataclass(frozen=True)
class FundingDecision:
    """One proposal's decision; ``reason`` is a plain sentence fit to show its applicant."""

    proposal_id: Any
    decision: str
    expected_rank: float
    rank_low: int
    rank_high: int
    reason: str = ""


def _reason(decision: str, row: Any, places: int, band: int, lottery_places: int, level: float) -> str:
    ranks = f"its plausible ranks ({level:.0%} interval) are {row.rank_low} to {row.rank_high}"
    if decision == FUNDED:
        if row.rank_high <= places:
            return f"Funded: {ranks}, all within the {places} fundable places."
        return f"Funded: {ranks}; no more proposals were near the line than places left, so no draw was needed."
    if decision in (LOTTERY_FUNDED, LOTTERY_NOT_FUNDED):
        outcome = "drawn" if decision == LOTTERY_FUNDED else "not drawn"
        return (f"Lottery band: {ranks}, crossing the funding line at place {places}; "
                f"{band} proposals that cannot be told apart drew {lottery_places} places, and this one was {outcome}.")
    if row.rank_low <= places:
        return f"Not funded: {ranks}; all {places} places went to proposals clearly above the line."
    return f"Not funded: {ranks}, all below the {places} fundable places."


@dataclass(frozen=True)
class FundingLine:
    """Decisions in ranking order, the lottery record, and the counts that add up."""

    decisions: tuple[FundingDecision, ...]
    fundable: int
    record: LotteryRecord

    def by_id(self) -> dict[Any, str]:
        return {d.proposal_id: d.decision for d in self.decisions}

    def count(self, decision: str) -> int:
        return sum(1 for d in self.decisions if d.decision == decision)

    @property
    def band(self) -> list[Any]:
        return [d.proposal_id for d in self.decisions if d.decision in (LOTTERY_FUNDED, LOTTERY_NOT_FUNDED)]


def draw_funding_line(ranking: Ranking, fundable: int, seed: str) -> FundingLine:
    """Split ``ranking`` into funded, lottery band and not funded; draw the band."""
    if isinstance(fundable, bool) or not isinstance(fundable, int | np.integer) or fundable < 0:
        raise LotteryInputError(f"fundable must be a non-negative integer, got {fundable!r}")
    rows = list(ranking.rows)
    n_places = min(int(fundable), len(rows))
    above = [i for i, r in enumerate(rows) if r.rank_high <= n_places]
    band = [i for i, r in enumerate(rows) if r.rank_low <= n_places < r.rank_high]
    if len(above) > n_places:
        # Too many look clearly above: demote the most uncertain until one place is drawn.
        by_doubt = sorted(above, key=lambda i: (rows[i].rank_high, rows[i].expected_rank, i))
        keep = max(n_places - 1, 0)
        above, band = sorted(by_doubt[:keep]), sorted(by_doubt[keep:] + band)
    places = n_places - len(above)
    taken = set(above) | set(band)
    rest = [i for i in range(len(rows)) if i not in taken]
    while len(band) < places and rest:
        band.append(rest.pop(0))
    if len(band) <= places:
        above, band = sorted(above + band), []
        places = 0
    elif places == 0:
        band = []  # every place is taken by proposals clearly above the line
    band.sort()
    record = draw_lottery([rows[i].proposal_id for i in band], places, seed)
    winners = set(record.winners)
    funded, in_band = set(above), set(band)
    decisions = []
    for i, row in enumerate(rows):
        if i in funded:
            decision = FUNDED
        elif i in in_band:
            decision = LOTTERY_FUNDED if str(row.proposal_id) in winners else LOTTERY_NOT_FUNDED
        else:
            decision = NOT_FUNDED
        decisions.append(FundingDecision(
            row.proposal_id, decision, row.expected_rank, row.rank_low, row.rank_high,
            _reason(decision, row, n_places, len(band), places, ranking.level),
        ))
    return FundingLine(decisions=tuple(decisions), fundable=n_places, record=record)
