"""The cooperation-need explanation reads in the reader's language, not the core's English."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

NOTES = [
    ("best", {"foreign": "Max Planck Society", "country_code": "DE", "foreign_volume": 3, "foreign_impact": "2.10",
              "domestic": "KIMS", "domestic_volume": 1, "domestic_impact": "0.40"}),
    ("strength", {"percent": "19", "gap": "0.81"}),
    ("rule_needed", {"threshold": 0.5}),
]


def test_need_reasons_read_in_korean_and_in_english():
    rows = [dict(code=c, **v) for c, v in NOTES]
    with translation.override("ko"):
        ko = [render_to_string("techmap/_need_reason.html", {"r": r}) for r in rows]
    with translation.override("en"):
        en = [render_to_string("techmap/_need_reason.html", {"r": r}) for r in rows]
    assert "해외 최고: Max Planck Society(DE)" in ko[0] and "국내 최고: KIMS" in ko[0]
    assert "국내 역량은 해외 최고의 19% 수준" in ko[1]
    assert "국제협력 필요" in ko[2]
    assert en[1].startswith("domestic strength is 19% of the best foreign")
