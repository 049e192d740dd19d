"""Matching free-text affiliation strings to ROR organisations.

An affiliation such as ``"Dept. of Physics, KAIST, Daejeon 34141, Republic of Korea"``
is split into its comma-separated parts. Each part is compared with the names, aliases,
Korean labels and acronyms of candidate organisations found through a token index;
the country named in the string, if any, filters and re-weights candidates. The best
candidate is returned only if its score clears ``threshold`` and beats the runner-up by
``margin``; otherwise the matcher abstains, because a wrong organisation is worse than
none for partner discovery and conflict-of-interest checks.

Score of a candidate name against a part (0..1): the share of the name's token weight
(inverse document frequency) found in the part, blended with the share of the part the
name explains; 1.0 for an exact normalised match. Further rules, each from a systematic
error on real publisher-asserted rows:

* a part that is only a city ("Baltimore, MD", "Providence") is an address and names no
  organisation, even where an organisation is called by that city;
* a distinctive name found word for word inside a longer part ("Tianjin University
  Children's Hospital") scores ``phrase_score``;
* an organisation's city words count less in its name when the rest is distinctive, so
  "Justus Liebig University" finds "Justus Liebig University Giessen";
* in one part, the name written exactly beats the same words in another order;
* "Org 2 Department of …" (Crossref's numbered units) splits into two parts; HTML
  entities are decoded and letters without a decomposable accent (ł, ı, ø, ß) folded;
* a string naming China does not count against organisations in Hong Kong or Macao;
  "U.S.A." and US state codes that are not also country codes ("Athens, GA" is not,
  "New York, NY" is) give the country;
* an acronym followed by the organisation's own city ("LMU Munich", "UC Davis") names it.
"""

from __future__ import annotations

import heapq
import html
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from dure.core.importers.ror import RorOrganisation

_STOP = frozenset(
    "of the and for de la di der und et at in du des le del da do e y zu am im von dem den "
    "les las los della delle degli dei".split()
)
# letters NFKD does not decompose into a base letter and an accent
_TRANSLITERATE = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss",
                                "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th"})
# a string naming China also covers organisations ROR files under these codes ("Hong Kong SAR, China")
_COMPATIBLE_COUNTRIES = {"CN": frozenset({"HK", "MO"})}
_ABBREVIATIONS = {
    "univ": "university", "universidad": "university", "universite": "university",
    "universita": "university", "universitat": "university", "universidade": "university",
    "universiteit": "university", "inst": "institute", "institut": "institute",
    "instituto": "institute", "istituto": "institute", "natl": "national", "nat": "national",
    "hosp": "hospital", "ctr": "center", "centre": "center", "centro": "center",
    "lab": "laboratory", "labs": "laboratory", "laboratories": "laboratory", "coll": "college",
    "sci": "science", "sciences": "science", "technol": "technology", "tech": "technology",
    "res": "research", "med": "medical", "st": "saint", "dept": "department",
}
_UNIT_WORDS = frozenset(
    "department division school faculty laboratory graduate program programme section "
    "unit group chair clinic ward".split()
)
COUNTRY_NAMES = {
    "korea": "KR", "south korea": "KR", "republic of korea": "KR", "korea republic of": "KR",
    "korea south": "KR", "rep of korea": "KR", "대한민국": "KR", "한국": "KR",
    "usa": "US", "us": "US", "u s a": "US", "u s": "US", "u k": "GB", "united states": "US", "united states of america": "US",
    "uk": "GB", "united kingdom": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "great britain": "GB", "china": "CN", "peoples republic of china": "CN", "pr china": "CN",
    "p r china": "CN", "japan": "JP", "germany": "DE", "deutschland": "DE", "france": "FR",
    "italy": "IT", "spain": "ES", "portugal": "PT", "netherlands": "NL", "the netherlands": "NL",
    "belgium": "BE", "switzerland": "CH", "austria": "AT", "sweden": "SE", "norway": "NO",
    "denmark": "DK", "finland": "FI", "poland": "PL", "czech republic": "CZ", "czechia": "CZ",
    "hungary": "HU", "greece": "GR", "turkey": "TR", "turkiye": "TR", "russia": "RU",
    "russian federation": "RU", "india": "IN", "pakistan": "PK", "bangladesh": "BD",
    "iran": "IR", "israel": "IL", "saudi arabia": "SA", "egypt": "EG", "nigeria": "NG",
    "south africa": "ZA", "kenya": "KE", "ethiopia": "ET", "brazil": "BR", "brasil": "BR",
    "mexico": "MX", "argentina": "AR", "chile": "CL", "colombia": "CO", "peru": "PE",
    "canada": "CA", "australia": "AU", "new zealand": "NZ", "singapore": "SG",
    "malaysia": "MY", "thailand": "TH", "vietnam": "VN", "viet nam": "VN",
    "indonesia": "ID", "philippines": "PH", "taiwan": "TW", "hong kong": "HK",
    "ireland": "IE", "romania": "RO", "serbia": "RS", "croatia": "HR", "slovenia": "SI",
    "slovakia": "SK", "bulgaria": "BG", "ukraine": "UA", "tunisia": "TN", "morocco": "MA",
    "algeria": "DZ", "jordan": "JO", "lebanon": "LB", "qatar": "QA",
    "united arab emirates": "AE", "uae": "AE", "nepal": "NP", "sri lanka": "LK",
    "ghana": "GH", "uganda": "UG", "tanzania": "TZ", "cameroon": "CM", "iraq": "IQ",
    "estonia": "EE", "latvia": "LV", "lithuania": "LT", "luxembourg": "LU", "iceland": "IS",
    "cyprus": "CY", "uruguay": "UY", "ecuador": "EC", "venezuela": "VE", "cuba": "CU",
}
# US state codes that are not also ISO country codes ("IN" may be India, "DE" Germany)
_US_STATES = frozenset("AK AZ CT DC FL HI IA KS MI ND NH NJ NM NV NY OH OK OR RI TX UT VT WA WI WV WY".split())
_ORG_WORDS = frozenset(
    "university universidad universite universitat universita college institute institut "
    "hospital center centre school academy laboratory".split()
)
# parts end at commas and the like, and where a numbered unit follows an organisation
# ("University of Toronto 2 Department of Molecular Genetics", as Crossref records give it)
_SPLIT = re.compile(r"[,;|/\n()]+|(?<=[a-z])\s+\d{1,2}\s+(?=[A-Z])")
_HANGUL = re.compile(r"[가-힣]")


class AffiliationMatcherError(ValueError):
    """The matcher was used before ``fit`` or given no organisations."""


def normalise(text: str) -> str:
    """Lower case, accents removed (Hangul kept), ``&`` as ``and``, punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", html.unescape(text).translate(_TRANSLITERATE))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    t = unicodedata.normalize("NFC", stripped).lower().replace("&", " and ")
    t = re.sub(r"[^\w가-힣]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def tokens(text: str) -> list[str]:
    """Normalised content tokens with common abbreviations expanded."""
    out = []
    for tok in normalise(text).split():
        tok = _ABBREVIATIONS.get(tok, tok)
        if tok not in _STOP and not tok.isdigit():
            out.append(tok)
    return out


def country_hint(affiliation: str) -> str:
    """ISO code of the country named in the last parts of the string, or ``""``."""
    parts = [normalise(p) for p in _SPLIT.split(affiliation) if p.strip()]
    for part in reversed(parts[-2:]):
        if part in COUNTRY_NAMES:
            return COUNTRY_NAMES[part]
        words = part.split()
        if len(parts) < 2 or _ORG_WORDS.intersection(words):
            continue  # "University of New Mexico" names no country
        for n in (3, 2, 1):  # "Seoul 08826 South Korea", "Daejeon Korea"
            if len(words) > n and words[-n - 1] == "new":
                continue
            if len(words) >= n and " ".join(words[-n:]) in COUNTRY_NAMES:
                return COUNTRY_NAMES[" ".join(words[-n:])]
    for name in ("대한민국", "한국"):
        if name in affiliation:
            return "KR"
    raw = [p.strip() for p in _SPLIT.split(affiliation) if p.strip()]
    if len(raw) >= 2:
        # "New York, NY" or "Rochester, NY 14642": a city with a US state code
        for part in raw[-2:]:
            words = [w for w in part.split() if not w.isdigit()]
            if words and words[-1] in _US_STATES and (len(words) > 1 or part is not raw[0]):
                return "US"
    return ""


@dataclass(frozen=True)
class AffiliationCandidate:
    ror_id: str
    name: str
    score: float
    matched_name: str
    part: str


@dataclass(frozen=True)
class AffiliationMatch:
    """The chosen organisation (``ror_id`` empty when abstaining) and why."""

    affiliation: str
    ror_id: str
    name: str
    score: float
    country_hint: str
    reasons: tuple[str, ...]
    candidates: tuple[AffiliationCandidate, ...]

    @property
    def matched(self) -> bool:
        return bool(self.ror_id)


class AffiliationMatcher:
    """Token-index matcher from affiliation strings to ROR organisations.

    Parameters
    ----------
    threshold : minimum score to accept a match (abstain below).
    margin : minimum lead of the best over the best other organisation.
    max_candidates : candidates scored per part, chosen by shared rare tokens.
    country_penalty : factor applied when the organisation's country differs from the hint.
    """

    def __init__(self, *, threshold: float = 0.8, margin: float = 0.02, max_candidates: int = 60,
                 country_penalty: float = 0.6, inactive_penalty: float = 0.9,
                 max_token_df: float = 0.02, city_weight: float = 0.3, distinctive_df: int = 100,
                 phrase_score: float = 0.88) -> None:
        if not 0.0 < threshold <= 1.0:
            raise AffiliationMatcherError("threshold must be in (0, 1]")
        self.threshold = threshold
        self.margin = margin
        self.max_candidates = max_candidates
        self.country_penalty = country_penalty
        self.inactive_penalty = inactive_penalty
        self.max_token_df = max_token_df
        self.city_weight = city_weight
        self.distinctive_df = distinctive_df
        self.phrase_score = phrase_score

    def fit(self, organisations: Iterable[RorOrganisation]) -> AffiliationMatcher:
        orgs: dict[str, RorOrganisation] = {}
        for org in organisations:
            orgs.setdefault(org.ror_id, org)  # first record of an id wins (give v2 first)
        if not orgs:
            raise AffiliationMatcherError("no organisations given; load ROR records first")
        self.orgs_ = orgs
        names: list[tuple[str, str, tuple[str, ...]]] = []  # (ror_id, display form, tokens)
        self.exact_: dict[str, set[int]] = defaultdict(set)
        self.acronyms_: dict[str, set[str]] = defaultdict(set)
        self.korean_: list[tuple[str, int]] = []
        self.cities_ = frozenset(c for c in (" ".join(tokens(o.city)) for o in orgs.values()) if c)
        for org in orgs.values():
            acronyms = set(org.acronyms)
            for a in acronyms:
                if len(a) >= 2:
                    self.acronyms_[a].add(org.ror_id)
            for name in org.names_all:
                if name in acronyms:
                    continue
                toks = tuple(tokens(name))
                if not toks:
                    continue
                idx = len(names)
                names.append((org.ror_id, name, toks))
                self.exact_[" ".join(toks)].add(idx)
                if _HANGUL.search(name):
                    self.korean_.append((normalise(name).replace(" ", ""), idx))
        df: Counter[str] = Counter()
        for _, _, toks in names:
            df.update(set(toks))
        n = len(names)
        self.names_ = names
        self.idf_ = {t: math.log(1 + n / c) for t, c in df.items()}
        self.default_idf_ = math.log(1 + n)
        limit = max(50, int(self.max_token_df * n))
        postings: dict[str, list[int]] = defaultdict(list)
        for idx, (_, _, toks) in enumerate(names):
            for t in set(toks):
                if df[t] <= limit:
                    postings[t].append(idx)
        self.postings_ = dict(postings)
        # a name that ends in its city ("Justus Liebig University Giessen") is often written
        # without it; its city words count less when the rest of the name is distinctive
        self.city_words_: list[frozenset[str]] = []
        for ror_id, _, toks in names:
            city = frozenset(tokens(orgs[ror_id].city))
            rest = set(toks) - city
            distinctive = any(df[t] <= self.distinctive_df for t in rest - _ORG_WORDS)
            self.city_words_.append(city & set(toks) if distinctive and rest != set(toks) else frozenset())
        self.name_weight_ = [self._name_weight(idx, set(toks)) for idx, (_, _, toks) in enumerate(names)]
        # names distinctive enough to be recognised inside a longer part: two words or
        # more, one of them rare outside this organisation's names
        self._phrase_name_ = [
            " ".join(toks) if len(toks) >= 2 and any(df[t] <= self.distinctive_df for t in set(toks) - _ORG_WORDS)
            else "" for _, _, toks in names
        ]
        return self

    def _name_weight(self, idx: int, toks: Iterable[str]) -> float:
        city = self.city_words_[idx]
        return sum(self.idf_.get(t, self.default_idf_) * (self.city_weight if t in city else 1.0) for t in toks)

    # -- scoring ------------------------------------------------------------------------
    def _weight(self, toks: Iterable[str]) -> float:
        return sum(self.idf_.get(t, self.default_idf_) for t in toks)

    def _score_part(self, part: str) -> dict[int, float]:
        toks = tokens(part)
        if not toks:
            return {}
        scores: dict[int, float] = {}
        key = " ".join(toks)
        for idx in self.exact_.get(key, ()):
            scores[idx] = 1.0
        exact_here = bool(scores)
        part_set = set(toks)
        part_weight = self._weight(part_set)
        votes: dict[int, float] = defaultdict(float)
        for t in part_set:
            for idx in self.postings_.get(t, ()):
                votes[idx] += self.idf_[t]
        for idx in heapq.nlargest(self.max_candidates, votes, key=votes.__getitem__):
            if idx in scores:
                continue
            name_toks = set(self.names_[idx][2])
            shared = self._name_weight(idx, name_toks & part_set)
            name_cov = shared / self.name_weight_[idx]
            part_cov = shared / part_weight if part_weight else 0.0
            scores[idx] = 0.8 * name_cov + 0.2 * part_cov
            if exact_here:
                # the same words in another order ("Manchester University") never tie the
                # name written exactly in this part ("University of Manchester")
                scores[idx] = min(scores[idx], 0.96)
        compact = normalise(part).replace(" ", "")
        if _HANGUL.search(compact):
            for name, idx in self.korean_:
                if name and name in compact:
                    scores[idx] = max(scores.get(idx, 0.0), 0.8 + 0.2 * len(name) / len(compact))
        if part_set & _UNIT_WORDS and not any(s == 1.0 for s in scores.values()):
            # a department-level part names the organisation only in passing
            scores = {i: s * 0.9 for i, s in scores.items()}
        padded = f" {key} "
        for idx, score in scores.items():
            # the whole name, word for word, inside a longer part ("Tianjin University
            # Children's Hospital", "University of Pennsylvania Perelman School of Medicine")
            if score < self.phrase_score and self._phrase_name_[idx] and f" {self._phrase_name_[idx]} " in padded:
                scores[idx] = self.phrase_score
        return scores

    def _names_a_place(self, part: str) -> bool:
        """A part that is only a city (with postcode or state code): an address, not an organisation.

        "Baltimore, MD" must not match the University of Baltimore, nor "Providence" the
        college of that name; the organisation is named elsewhere in the string.
        """
        words = tokens(part)
        if not words or _ORG_WORDS.intersection(words):
            return False
        if " ".join(words) in self.cities_:
            return True
        last = part.split()[-1]
        # "Boston MA": a city followed by a state code
        return len(words) > 1 and len(last) == 2 and last.isupper() and " ".join(words[:-1]) in self.cities_

    def match(self, affiliation: str) -> AffiliationMatch:
        """The best organisation for one affiliation string, or an abstention."""
        if not hasattr(self, "orgs_"):
            raise AffiliationMatcherError("call fit(organisations) before match")
        hint = country_hint(affiliation)
        parts = [p.strip() for p in _SPLIT.split(affiliation) if p.strip()]
        best: dict[str, AffiliationCandidate] = {}
        for part in parts:
            if normalise(part) in COUNTRY_NAMES or self._names_a_place(part):
                continue
            for idx, score in self._score_part(part).items():
                self._offer(best, idx, score, part, hint)
            stripped = part.strip().strip(".")
            words = stripped.split()
            if len(words) >= 2 and words[0] in self.acronyms_:
                # "LMU Munich", "UC Davis": an acronym with the organisation's city
                place = " ".join(tokens(" ".join(words[1:])))
                for ror_id in self.acronyms_[words[0]]:
                    org = self.orgs_[ror_id]
                    if place and " ".join(tokens(org.city)) == place:
                        score = 0.9 * self._org_factor(org, hint)
                        self._keep(best, AffiliationCandidate(ror_id, org.name_en, score, stripped, part))
            for ror_id in self.acronyms_.get(stripped, ()):
                org = self.orgs_[ror_id]
                unique = len(self.acronyms_[stripped]) == 1
                score = (0.9 if unique else 0.75) * self._org_factor(org, hint)
                if hint and org.country_code == hint and not unique:
                    score = 0.85
                self._keep(best, AffiliationCandidate(ror_id, org.name_en, score, stripped, part))
        for left, right in zip(parts, parts[1:], strict=False):
            # names that contain a comma: "University of California, San Diego"
            joined = f"{left} {right}"
            for idx in self.exact_.get(" ".join(tokens(joined)), ()):
                self._offer(best, idx, 1.0, joined, hint)
        ranked = self._drop_subsumed(sorted(best.values(), key=lambda c: (-c.score, c.ror_id)))[:5]
        reasons: list[str] = []
        if hint:
            reasons.append(f"country named in the string: {hint}")
        if not ranked:
            return AffiliationMatch(affiliation, "", "", 0.0, hint, (*reasons, "no candidate shares a name token"), ())
        top = ranked[0]
        runner = ranked[1].score if len(ranked) > 1 else 0.0
        if top.score < self.threshold:
            reasons.append(f"best score {top.score:.2f} is below the threshold {self.threshold:.2f}")
            return AffiliationMatch(affiliation, "", "", top.score, hint, tuple(reasons), tuple(ranked))
        if top.score - runner < self.margin:
            reasons.append(f"{top.name} and {ranked[1].name} score alike ({top.score:.2f}, {runner:.2f})")
            return AffiliationMatch(affiliation, "", "", top.score, hint, tuple(reasons), tuple(ranked))
        reasons.append(f"'{top.part}' matches the name '{top.matched_name}' (score {top.score:.2f})")
        return AffiliationMatch(affiliation, top.ror_id, top.name, top.score, hint, tuple(reasons), tuple(ranked))

    def _org_factor(self, org: RorOrganisation, hint: str) -> float:
        factor = 1.0
        if hint and org.country_code and org.country_code != hint and \
                org.country_code not in _COMPATIBLE_COUNTRIES.get(hint, ()):
            factor *= self.country_penalty
        if not org.is_active:
            factor *= self.inactive_penalty
        return factor

    def _offer(self, best: dict[str, AffiliationCandidate], idx: int, score: float, part: str, hint: str) -> None:
        ror_id, name, _ = self.names_[idx]
        org = self.orgs_[ror_id]
        self._keep(best, AffiliationCandidate(ror_id, org.name_en, score * self._org_factor(org, hint), name, part))

    @staticmethod
    def _drop_subsumed(ranked: list[AffiliationCandidate]) -> list[AffiliationCandidate]:
        """Drop a candidate whose matched name is a strict part of another's equally good match."""
        keep = []
        token_sets = [set(tokens(c.matched_name)) for c in ranked]
        for i, cand in enumerate(ranked):
            subsumed = any(
                j != i and other.score >= cand.score - 0.05 and token_sets[i] < token_sets[j]
                for j, other in enumerate(ranked[:10])
            )
            if not subsumed:
                keep.append(cand)
        return keep

    @staticmethod
    def _keep(best: dict[str, AffiliationCandidate], cand: AffiliationCandidate) -> None:
        old = best.get(cand.ror_id)
        if old is None or cand.score > old.score:
            best[cand.ror_id] = cand

    def match_many(self, affiliations: Iterable[str]) -> list[AffiliationMatch]:
        return [self.match(a) for a in affiliations]
