"""What a user sees with awkward inputs: thin and empty profiles, missing abstracts, empty
queries, a megabyte of text, and Korean, English and Chinese mixed in one text."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest

from dure.core.matching import AffinityModel, Profile, Query, ThinProfileWarning, Work, get_backend
from dure.core.matching.model import EmptyQueryWarning


class RecordingBackend:
    """The default backend, noting the longest text (in words) it was asked to embed."""

    def __init__(self) -> None:
        self.inner = get_backend()
        self.name, self.dim = self.inner.name, self.inner.dim
        self.longest = 0

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        self.longest = max([self.longest, *(len(t.split()) for t in texts)])
        return self.inner.embed(texts, kind=kind)


def _full(pid: str, *titles: str) -> Profile:
    return Profile(id=pid, works=tuple(Work(id=f"{pid}{i}", title=t) for i, t in enumerate(titles)))


def test_the_thin_profile_warning_counts_and_names_them_in_a_large_pool():
    thin = [Profile(id=f"thin-{i:02d}", works=(Work(id=f"t{i}", title=f"Topic {i} catalysis"),)) for i in range(25)]
    pool = [*thin, _full("solid", "Perovskite solar cells", "Tandem photovoltaics")]
    with pytest.warns(ThinProfileWarning) as caught:
        model = AffinityModel(lexical_weight=1.0).fit(pool)
    message = str(caught[0].message)
    assert message.startswith("25 thin profile(s)")
    assert "'thin-00'" in message and "'thin-19'" in message and "and 5 more" in message
    assert "'solid'" not in message
    assert sorted(w.split("'")[1] for w in model.warnings_) == [p.id for p in thin]  # every one, in full


def test_works_without_abstract_or_title_still_count():
    pool = [Profile(id="titles", works=(Work(id="a", title="Sodium-ion battery cathodes"),
                                        Work(id="b", title="Layered oxide cathode degradation"))),
            Profile(id="abstracts", works=(Work(id="c", title="", abstract="We grow wheat under drought stress."),
                                           Work(id="d", title="", abstract="Root traits of drought-tolerant wheat."))),
            Profile(id="keywords", works=(Work(id="e", title="", keywords=("coral reefs", "bleaching")),
                                          Work(id="f", title="", keywords=("reef fish", "coral")))),
            _full("other", "Medieval manuscripts", "Latin palaeography")]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ThinProfileWarning)  # none of them is thin
        model = AffinityModel().fit(pool)
    result = model.score([Query(id="bat", title="cathode materials for sodium batteries"),
                          Query(id="wheat", title="drought tolerance in wheat roots"),
                          Query(id="reef", title="coral bleaching on reefs")], top_k=1)
    assert [result.top(q)[0][0] for q in ("bat", "wheat", "reef")] == ["titles", "abstracts", "keywords"]


def test_an_empty_query_gets_no_candidates_and_a_warning_naming_it():
    model = AffinityModel(lexical_weight=1.0).fit([_full("a", "Uranium from seawater", "Amidoxime adsorbents"),
                                                   _full("b", "Graph neural networks", "Message passing")])
    with pytest.warns(EmptyQueryWarning, match="'blank'"):
        result = model.score([Query(id="blank", title="  "), Query(id="u", title="uranium adsorbents")], top_k=2)
    assert result.top("blank") == []
    assert result.top("u")[0][0] == "a"
    assert all(qid != "blank" for qid, _, _ in result.rows())


def test_a_megabyte_text_is_cut_before_embedding_and_indexing():
    words = ["uranium", "seawater", "amidoxime", "adsorbent", "polymer", "fibre", "capacity", "kinetics"]
    huge = " ".join(words[i % len(words)] + str(i % 5000) for i in range(120_000))
    assert len(huge) > 1_000_000
    backend = RecordingBackend()
    model = AffinityModel(backend=backend, max_words=200)
    pool = [Profile(id="huge", works=(Work(id="h", title="Uranium from seawater", abstract=huge),
                                      Work(id="h2", title="Amidoxime fibres for uranium"))),
            _full("other", "Medieval manuscripts", "Latin palaeography")]
    tracemalloc.start()
    model.fit(pool)
    result = model.score([Query(id="q", title="uranium adsorbent from seawater", abstract=huge)], top_k=2)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.top("q")[0][0] == "huge"
    assert backend.longest <= 200  # the model sees at most max_words words
    assert model.work_lex_[0].nnz <= 2000  # the lexical index keeps at most 2,000 tokens per text
    assert peak < 200 * 2**20, f"peak {peak / 2**20:.0f} MiB of Python/numpy memory for a 1 MB text"


def test_korean_english_and_chinese_in_one_text_get_an_embedding_and_terms_of_each():
    mixed = Work(id="m", title="딥러닝 기반 시스템 식별 연구: deep learning for system identification; 深度学习 系统辨识")
    pool = [Profile(id="mixed", works=(mixed, Work(id="m2", title="신경망 모델 예측 제어"))),
            _full("other", "Medieval manuscripts", "Latin palaeography")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThinProfileWarning)
        model = AffinityModel().fit(pool)
    vec = model.work_dense_[0]
    assert np.all(np.isfinite(vec)) and abs(float(np.linalg.norm(vec)) - 1.0) < 1e-3
    terms = {str(model.lexical_.terms_[j]) for j in model.work_lex_[0].indices}
    assert {"시스템", "식별", "identification", "深度", "学习"} <= terms
    for qid, text in (("ko", "시스템 식별"), ("en", "system identification with deep learning"), ("zh", "深度学习")):
        query = Query(id=qid, title=text)
        assert model.score([query], top_k=1).top(qid)[0][0] == "mixed"
        why = model.explain(query, "mixed")
        assert why.works[0].work_id == "m" and why.terms
