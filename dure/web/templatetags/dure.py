"""Template filters: money in the reader's language, and sample-data badges."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dure.core.money import format_krw

register = template.Library()


@register.filter
def krw(amount) -> str:
    """148700000000 -> '1,487억 원' (Korean) or 'KRW 148.7 billion' (English)."""
    if amount is None or amount == "":
        return "—"
    return format_krw(int(amount), lang="ko" if (get_language() or "ko").startswith("ko") else "en")


@register.filter
def pct(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.simple_tag
def sample_badge(obj) -> str:
    if getattr(obj, "is_sample", False):
        return format_html('<span class="badge sample" title="{}">{}</span>', _("Invented for the demo"), _("sample"))
    return ""
