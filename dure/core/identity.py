"""Identity linking: one person behind several records.

A person may appear with several e-mail addresses, an ORCID, a Korean name and one or
more romanised spellings, and several affiliations. :func:`link_identities` merges
records (union-find) when they share

* a normalised e-mail address (lowercase; for Gmail dots and ``+tags`` dropped),
* a valid ORCID, or
* a normalised name that matches across Hangul and romanised forms **and** at least one
  organisation (a name alone is too weak: many people share one).

Every merge is kept as :class:`MergeEvidence` so a manager can see why two records
were treated as one person.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# --- Hangul to Revised Romanisation ---------------------------------------------------

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_INITIALS = ("g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj",
             "ch", "k", "t", "p", "h")
_MEDIALS = ("a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo",
            "u", "wo", "we", "wi", "yu", "eu", "ui", "i")
_FINALS = ("", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l",
           "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t")
_INITIAL_RIEUL = 5
_FINAL_RIEUL = 8

# Two-syllable Korean surnames; everything else is taken as a one-syllable surname.
_TWO_SYLLABLE_SURNAMES = frozenset({"남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방"})

# Romanised spellings of common surnames, mapped to the Hangul surname they stand for.
_SURNAME_SPELLINGS: dict[str, tuple[str, ...]] = {
    "김": ("kim", "gim", "ghim"),
    "이": ("lee", "yi", "rhee", "i", "ri", "li", "rie", "ree", "yee", "e"),
    "박": ("park", "pak", "bak", "bark", "pack"),
    "최": ("choi", "choe", "chey", "choy", "chwe"),
    "정": ("jung", "jeong", "chung", "jong", "cheong", "chong", "joung"),
    "강": ("kang", "gang"),
    "조": ("cho", "jo", "joe", "chough"),
    "윤": ("yoon", "yun", "youn"),
    "장": ("jang", "chang"),
    "임": ("lim", "im", "rim", "yim"),
    "한": ("han",),
    "오": ("oh", "o"),
    "서": ("seo", "suh", "so", "seoh"),
    "신": ("shin", "sin", "shinn"),
    "권": ("kwon", "gwon", "kweon"),
    "황": ("hwang",),
    "안": ("ahn", "an"),
    "송": ("song",),
    "유": ("yoo", "yu", "you"),
    "류": ("ryu", "ryoo", "rhyu", "yoo", "yu"),
    "홍": ("hong",),
    "전": ("jeon", "jun", "chun", "chon", "jeun"),
    "고": ("ko", "go", "koh"),
    "문": ("moon", "mun"),
    "양": ("yang",),
    "손": ("son", "sohn"),
    "배": ("bae", "pae", "bai"),
    "백": ("baek", "paek", "paik", "baik", "back"),
    "허": ("heo", "huh", "hur", "her"),
    "남": ("nam",),
    "노": ("noh", "roh", "no", "ro", "rho"),
    "하": ("ha",),
    "곽": ("kwak", "gwak"),
    "성": ("sung", "seong"),
    "차": ("cha",),
    "주": ("joo", "ju", "chu", "choo"),
    "우": ("woo", "u"),
    "민": ("min",),
    "나": ("na", "ra"),
    "진": ("jin", "chin"),
    "지": ("ji", "chi"),
    "엄": ("eom", "um", "uhm"),
    "변": ("byun", "byeon", "pyun", "pyon"),
    "채": ("chae", "chai"),
    "원": ("won", "weon"),
    "천": ("cheon", "chun", "chon"),
    "방": ("bang", "pang"),
    "공": ("gong", "kong"),
    "현": ("hyun", "hyeon"),
    "함": ("ham",),
    "여": ("yeo", "yo", "yuh"),
    "도": ("do", "doh", "to"),
    "석": ("seok", "suk"),
    "구": ("koo", "gu", "ku"),
    "명": ("myung", "myeong"),
    "염": ("yeom", "yum"),
    "육": ("yook", "yuk"),
    "표": ("pyo",),
    "남궁": ("namgung", "namkung"),
    "황보": ("hwangbo",),
    "제갈": ("jegal",),
    "선우": ("sunwoo", "seonu"),
}
_SURNAMES_BY_SPELLING: dict[str, set[str]] = defaultdict(set)
for _hangul, _spellings in _SURNAME_SPELLINGS.items():
    for _spelling in _spellings:
        _SURNAMES_BY_SPELLING[_spelling].add(_hangul)


def is_hangul(text: str) -> bool:
    """True if ``text`` (spaces ignored) is made only of Hangul syllables."""
    stripped = text.replace(" ", "")
    return bool(stripped) and all(_HANGUL_FIRST <= ord(c) <= _HANGUL_LAST for c in stripped)


def romanise(hangul: str) -> str:
    """Revised Romanisation of a Korean name, syllable by syllable.

    Names are romanised without sound changes across syllables (the rule for personal
    names), except that ㄹㄹ is written ``ll``. Characters that are not Hangul syllables
    are kept as they are.
    """
    out: list[str] = []
    previous_final = -1
    for char in hangul:
        code = ord(char)
        if not (_HANGUL_FIRST <= code <= _HANGUL_LAST):
            out.append(char)
            previous_final = -1
            continue
        index = code - _HANGUL_FIRST
        initial, rest = divmod(index, 21 * 28)
        medial, final = divmod(rest, 28)
        onset = _INITIALS[initial]
        if initial == _INITIAL_RIEUL and previous_final == _FINAL_RIEUL:
            onset = "l"
        out.append(onset + _MEDIALS[medial] + _FINALS[final])
        previous_final = final
    return "".join(out)


def fold_romanised(text: str) -> str:
    """Fold a romanised name part so common spelling variants compare equal.

    ``Joon``/``Jun``, ``Hyun``/``Hyeon``, ``Young``/``Yeong``, ``Kyung``/``Gyeong`` and
    ``Min-jun``/``Min Jun``/``Minjun`` all fold to one key.
    """
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if "a" <= c <= "z")
    for old, new in (("oo", "u"), ("eo", "u"), ("ou", "u"), ("ee", "i"), ("wu", "u"), ("ui", "i"),
                     ("sh", "s"),
                     ("ch", "j"), ("k", "g"), ("t", "d"), ("p", "b"), ("r", "l")):
        text = text.replace(old, new)
    return text


def _surname_keys(family: str) -> set[str]:
    """Canonical keys of a family name: the Hangul surname(s) it may stand for."""
    if is_hangul(family):
        return {family.replace(" ", "")}
    spelling = "".join(c for c in family.lower() if "a" <= c <= "z")
    if spelling in _SURNAMES_BY_SPELLING:
        return set(_SURNAMES_BY_SPELLING[spelling])
    return {fold_romanised(family)}


def _split_hangul(name: str) -> tuple[str, str]:
    compact = name.replace(" ", "")
    if len(compact) >= 3 and compact[:2] in _TWO_SYLLABLE_SURNAMES:
        return compact[:2], compact[2:]
    return compact[:1], compact[1:]


def name_keys(name: str) -> frozenset[tuple[str, str]]:
    """All (surname key, folded given name) readings of one written name.

    Handles Hangul (``김민준``), ``Family, Given`` (``Kim, Min-jun``), ``Given Family``
    (``Min Jun Kim``) and ``Family Given`` (``Kim Minjun``); when the order is
    ambiguous every reading is returned. Single-word names give no key.
    """
    name = " ".join(name.split())
    if not name:
        return frozenset()
    if is_hangul(name):
        family, given = _split_hangul(name)
        if not given:
            return frozenset()
        return frozenset({(family, fold_romanised(romanise(given)))})
    if "," in name:
        family, _, given = name.partition(",")
        if not family.strip() or not given.strip():
            return frozenset()
        return frozenset((s, fold_romanised(given)) for s in _surname_keys(family))
    tokens = [t for t in re.split(r"\s+", name) if t.strip("-.")]
    if len(tokens) < 2:
        return frozenset()
    readings: set[tuple[str, str]] = set()
    first_known = tokens[0].lower().strip(".") in _SURNAMES_BY_SPELLING
    last_known = tokens[-1].lower().strip(".") in _SURNAMES_BY_SPELLING
    if first_known or not last_known:
        readings.update((s, fold_romanised("".join(tokens[1:]))) for s in _surname_keys(tokens[0]))
    if last_known or not first_known:
        readings.update((s, fold_romanised("".join(tokens[:-1]))) for s in _surname_keys(tokens[-1]))
    return frozenset(r for r in readings if r[1])


# --- e-mail and ORCID -----------------------------------------------------------------

_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def normalise_email(email: str) -> str | None:
    """Lowercase an address; for Gmail drop dots and ``+tag`` from the local part."""
    email = email.strip().lower()
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain:
        return None
    if domain in _GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def normalise_orcid(orcid: str | None) -> str | None:
    """``0000-0002-1825-0097`` form of an ORCID, or None if it is not a valid one."""
    if not orcid:
        return None
    digits = re.sub(r"[^0-9Xx]", "", orcid.strip().rsplit("/", 1)[-1]).upper()
    if len(digits) != 16 or not digits[:15].isdigit():
        return None
    total = 0
    for d in digits[:15]:
        total = (total + int(d)) * 2
    check = (12 - total % 11) % 11
    if digits[15] != ("X" if check == 10 else str(check)):
        return None
    return "-".join(digits[i:i + 4] for i in range(0, 16, 4))


# --- records, identities and linking --------------------------------------------------


@dataclass(frozen=True)
class PersonRecord:
    """One record of a person as some source holds it (an account, an author entry…)."""

    record_id: str
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    organisation_ids: tuple[str, ...] = ()
    orcid: str | None = None


@dataclass(frozen=True)
class MergeEvidence:
    """Why two records were linked: ``kind`` is ``email``, ``orcid`` or ``name+organisation``."""

    record_a: str
    record_b: str
    kind: str
    detail: str


@dataclass(frozen=True)
class Identity:
    """One person: the records linked together and the evidence for each link."""

    identity_id: str
    record_ids: tuple[str, ...]
    names: tuple[str, ...]
    emails: tuple[str, ...]
    organisation_ids: tuple[str, ...]
    orcids: tuple[str, ...]
    evidence: tuple[MergeEvidence, ...]


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def link_identities(records: Sequence[PersonRecord]) -> list[Identity]:
    """Group records that belong to one person; see the module docstring for the rules.

    Identities come back sorted by their id, which is the smallest record id they hold.
    Raises ``ValueError`` if two records share a ``record_id``.
    """
    ids = [r.record_id for r in records]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        dupes = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
        raise ValueError(f"record ids must be unique; repeated: {', '.join(dupes[:10])}")
    order = sorted(range(len(records)), key=lambda i: records[i].record_id)
    sorted_records = [records[i] for i in order]
    uf = _UnionFind(len(sorted_records))
    evidence: list[MergeEvidence] = []

    def link_bucket(members: list[int], kind: str, detail: str) -> None:
        first = members[0]
        for other in members[1:]:
            if uf.union(first, other):
                evidence.append(MergeEvidence(sorted_records[first].record_id,
                                              sorted_records[other].record_id, kind, detail))

    by_email: dict[str, list[int]] = defaultdict(list)
    by_orcid: dict[str, list[int]] = defaultdict(list)
    by_name_org: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, record in enumerate(sorted_records):
        for email in {e for e in map(normalise_email, record.emails) if e}:
            by_email[email].append(i)
        orcid = normalise_orcid(record.orcid)
        if orcid:
            by_orcid[orcid].append(i)
        keys = set().union(*(name_keys(n) for n in record.names)) if record.names else set()
        for surname, given in keys:
            for org in set(record.organisation_ids):
                by_name_org[(surname, given, org)].append(i)

    for email, members in sorted(by_email.items()):
        if len(members) > 1:
            link_bucket(members, "email", f"shared e-mail {email}")
    for orcid, members in sorted(by_orcid.items()):
        if len(members) > 1:
            link_bucket(members, "orcid", f"shared ORCID {orcid}")
    for (surname, given, org), members in sorted(by_name_org.items()):
        if len(set(members)) > 1:
            names = " / ".join(_unique(n for m in dict.fromkeys(members)
                                       for n in sorted_records[m].names))
            link_bucket(list(dict.fromkeys(members)), "name+organisation",
                        f"names {names} match as {surname} {given} and share organisation {org}")

    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(sorted_records)):
        groups[uf.find(i)].append(i)
    evidence_by_root: dict[int, list[MergeEvidence]] = defaultdict(list)
    index_of = {r.record_id: i for i, r in enumerate(sorted_records)}
    for ev in evidence:
        evidence_by_root[uf.find(index_of[ev.record_a])].append(ev)

    identities = []
    for root, members in groups.items():
        recs = [sorted_records[m] for m in members]
        identities.append(Identity(
            identity_id=recs[0].record_id,
            record_ids=tuple(r.record_id for r in recs),
            names=_unique(n for r in recs for n in r.names),
            emails=_unique(e for r in recs for e in map(normalise_email, r.emails) if e),
            organisation_ids=_unique(o for r in recs for o in r.organisation_ids),
            orcids=_unique(o for o in (normalise_orcid(r.orcid) for r in recs) if o),
            evidence=tuple(evidence_by_root[root]),
        ))
    identities.sort(key=lambda ident: ident.identity_id)
    return identities


def identity_of_record(identities: Iterable[Identity]) -> dict[str, str]:
    """Map every record id to the id of the identity that holds it."""
    return {rid: ident.identity_id for ident in identities for rid in ident.record_ids}
