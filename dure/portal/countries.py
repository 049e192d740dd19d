"""Country names and ISO 3166 alpha-3 codes for the countries Dure's partners come from.

The world map needs alpha-3 codes; organisations store alpha-2 (from ROR). Countries not
listed here are still counted in the table, only left off the map.
"""

from __future__ import annotations

from django.utils.translation import get_language

# alpha-2: (alpha-3, English, Korean)
COUNTRIES: dict[str, tuple[str, str, str]] = {
    "KR": ("KOR", "Republic of Korea", "대한민국"),
    "US": ("USA", "United States", "미국"),
    "DE": ("DEU", "Germany", "독일"),
    "JP": ("JPN", "Japan", "일본"),
    "GB": ("GBR", "United Kingdom", "영국"),
    "FR": ("FRA", "France", "프랑스"),
    "CN": ("CHN", "China", "중국"),
    "CA": ("CAN", "Canada", "캐나다"),
    "NL": ("NLD", "Netherlands", "네덜란드"),
    "CH": ("CHE", "Switzerland", "스위스"),
    "SE": ("SWE", "Sweden", "스웨덴"),
    "FI": ("FIN", "Finland", "핀란드"),
    "DK": ("DNK", "Denmark", "덴마크"),
    "NO": ("NOR", "Norway", "노르웨이"),
    "BE": ("BEL", "Belgium", "벨기에"),
    "AT": ("AUT", "Austria", "오스트리아"),
    "IT": ("ITA", "Italy", "이탈리아"),
    "ES": ("ESP", "Spain", "스페인"),
    "IL": ("ISR", "Israel", "이스라엘"),
    "SG": ("SGP", "Singapore", "싱가포르"),
    "AU": ("AUS", "Australia", "호주"),
    "IN": ("IND", "India", "인도"),
    "TW": ("TWN", "Taiwan", "대만"),
    "VN": ("VNM", "Viet Nam", "베트남"),
    "IE": ("IRL", "Ireland", "아일랜드"),
    "PL": ("POL", "Poland", "폴란드"),
    "CZ": ("CZE", "Czechia", "체코"),
    "HU": ("HUN", "Hungary", "헝가리"),
    "BR": ("BRA", "Brazil", "브라질"),
    "NZ": ("NZL", "New Zealand", "뉴질랜드"),
}


def country_name(alpha2: str) -> str:
    entry = COUNTRIES.get(alpha2.upper())
    if entry is None:
        return alpha2.upper()
    return entry[2] if (get_language() or "").startswith("ko") else entry[1]


def alpha3(alpha2: str) -> str | None:
    entry = COUNTRIES.get(alpha2.upper())
    return entry[0] if entry else None
