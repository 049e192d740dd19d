"""Money as people in the programme read it: Korean won in Korean or English units.

Amounts are KRW. Korean groups digits by ten-thousands (만 10^4, 억 10^8, 조 10^12);
English speaks of millions, billions and trillions.

>>> format_krw(148_700_000_000)
'1,487억 원'
>>> format_krw(148_700_000_000, lang="en")
'KRW 148.7 billion'
>>> format_krw(1_200_000_000_000)
'1조 2,000억 원'
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["format_krw"]

_MAN = 10**4
_EOK = 10**8
_JO = 10**12


def _trim(value: float, decimals: int) -> str:
    """``value`` with thousands separators and at most ``decimals`` decimals, no trailing zeros."""
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _ko(amount: int) -> str:
    if amount >= _JO:
        jo, rest = divmod(amount, _JO)
        eok = round(rest / _EOK)
        if eok == 10**4:  # the remainder rounded up to a whole 조
            jo, eok = jo + 1, 0
        return f"{jo:,}조 {eok:,}억 원" if eok else f"{jo:,}조 원"
    if amount >= _EOK:
        text = _trim(amount / _EOK, 0 if amount >= 100 * _EOK else 1 if amount >= 10 * _EOK else 2)
        return "1조 원" if text == "10,000" else f"{text}억 원"
    if amount >= 1000 * _MAN or (amount >= _MAN and amount % _MAN == 0):
        man = round(amount / _MAN)
        return "1억 원" if man == 10**4 else f"{man:,}만 원"
    return f"{amount:,}원"


def _en(amount: int) -> str:
    units = ((10**6, "million"), (10**9, "billion"), (_JO, "trillion"))
    for k in range(len(units) - 1, -1, -1):
        size, word = units[k]
        if amount >= size:
            value = amount / size
            text = _trim(value, 2 if value < 10 else 1)
            if text == "1,000" and k + 1 < len(units):  # rounds up into the next unit
                return f"KRW 1 {units[k + 1][1]}"
            return f"KRW {text} {word}"
    if amount >= 999_950:
        return "KRW 1 million"
    return f"KRW {amount:,}"


def format_krw(amount: Real | int | float, lang: str = "ko") -> str:
    """Format a KRW amount for people: ``"1,487억 원"`` (ko) or ``"KRW 148.7 billion"`` (en).

    Fractions of a won are rounded away; negative amounts carry a leading minus sign.
    """
    if isinstance(amount, bool) or not isinstance(amount, Real):
        raise TypeError(f"format_krw needs a number of won, got {type(amount).__name__}")
    if not math.isfinite(float(amount)):
        raise ValueError(f"format_krw needs a finite amount of won, got {amount!r}")
    if lang not in ("ko", "en"):
        raise ValueError(f"format_krw speaks 'ko' or 'en', not {lang!r}")
    won = int(round(float(amount)))
    sign = "-" if won < 0 else ""
    text = _ko(abs(won)) if lang == "ko" else _en(abs(won))
    return sign + text
