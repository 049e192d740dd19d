"""The manager dashboard as a PDF (reportlab): money per track and year, international share,
outcomes, overdue reports, with a bar chart of money committed against the budget.

Korean text is set in NanumGothic, embedded (subset) so that every reader shows it, when
the font file is on the server (Debian: fonts-nanum); otherwise in reportlab's built-in CID
font HYSMyeongJo-Medium, which needs no file but relies on the reader's Korean fonts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from dure.core.money import format_krw
from dure.outcomes.dashboard import EOK, OUTCOME_FIELDS, Dashboard

CID_FONT = "HYSMyeongJo-Medium"
TTF_FONT = "NanumGothic"
TTF_PATHS = ("/usr/share/fonts/truetype/nanum/NanumGothic.ttf", "/usr/share/fonts/nanum/NanumGothic.ttf")
_PALETTE = [colors.HexColor(c) for c in ("#0b5cad", "#b35900", "#11643a", "#6b3fa0", "#a3151c")]


def register_font() -> str:
    """The name of a registered font that renders Korean (see the module's docstring)."""
    registered = pdfmetrics.getRegisteredFontNames()
    if TTF_FONT in registered:
        return TTF_FONT
    path = next((p for p in TTF_PATHS if os.path.exists(p)), None)
    if path is not None:
        pdfmetrics.registerFont(TTFont(TTF_FONT, path))
        return TTF_FONT
    if CID_FONT not in registered:
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


@dataclass(frozen=True)
class PdfTable:
    title: str
    header: list[str]
    rows: list[list[str]]


def _labels() -> dict[str, str]:
    return {"papers": _("Papers"), "patents": _("Patents"), "licences": _("Licences"),
            "transfer_fee_krw": _("Technology transfer fees"), "revenue_krw": _("Revenue"), "jobs": _("Jobs")}


def _value(name: str, value, lang: str) -> str:
    if value is None:
        return "—"
    if name.endswith("_krw"):
        return format_krw(int(value), lang=lang)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def dashboard_tables(dash: Dashboard, lang: str) -> list[PdfTable]:
    """The dashboard's tables as text, in ``lang`` ("ko" or "en"), as the PDF shows them."""
    with translation.override(lang):
        return _tables(dash, lang)


def _tables(dash: Dashboard, lang: str) -> list[PdfTable]:
    money = [[r.track, str(r.year), *[format_krw(v, lang=lang) for v in
                                      (r.budget_krw, r.reserved_krw, r.committed_krw, r.signed_krw, r.spent_krw)]]
             for r in dash.money]
    t = dash.totals
    money.append([_("All tracks"), "", *[format_krw(t[k], lang=lang) for k in
                                         ("budget_krw", "reserved_krw", "committed_krw", "signed_krw", "spent_krw")]])
    share = dash.international_share
    labels = _labels()
    tables = [
        PdfTable(_("Money per track and year"),
                 [_("Track"), _("Year"), _("Budget"), _("Reserved at selection"), _("Committed"), _("Signed"), _("Spent")],
                 money),
        PdfTable(_("International share"),
                 [_("Committed"), _("International projects"), _("Share"), _("Target"), _("Target met")],
                 [[format_krw(dash.committed_krw, lang=lang), format_krw(dash.international_krw, lang=lang),
                   "—" if share is None else f"{share:.1%}", f"{dash.target:.0%}",
                   _("yes") if dash.meets_target else _("no")]]),
        PdfTable(_("Outcomes per track"),
                 [_("Track"), _("Committed"), *[labels[k] for k in OUTCOME_FIELDS], _("Papers per 100 million KRW")],
                 [[r.track or _("All tracks"), format_krw(r.committed_krw, lang=lang),
                   *[_value(k, r.totals[k], lang) for k in OUTCOME_FIELDS], _value("per_eok", r.per_eok["papers"], lang)]
                  for r in dash.outcomes_by_track]),
        PdfTable(_("Outcomes per year"), [_("Year"), *[labels[k] for k in OUTCOME_FIELDS]],
                 [[str(year), *[_value(k, totals[k], lang) for k in OUTCOME_FIELDS]]
                  for year, totals in dash.outcomes_by_year]),
        PdfTable(_("Overdue outcome reports"), [_("Project"), _("Year missing")],
                 [[o.agreement.proposal.title, str(o.year)] for o in dash.overdue]),
    ]
    return tables


def _money_chart(dash: Dashboard, width: float, font: str) -> Drawing | None:
    """Bars of money committed and budget per track and year, in 억 원 (100 million KRW)."""
    if not dash.money:
        return None
    years = sorted({r.year for r in dash.money})
    tracks = list(dict.fromkeys(r.track for r in dash.money))
    data, names = [], []
    for track in tracks:
        by_year = {r.year: r for r in dash.money if r.track == track}
        for attr, label in (("budget_krw", _("budget")), ("committed_krw", _("committed"))):
            data.append([(getattr(by_year[y], attr) / EOK) if y in by_year else 0 for y in years])
            names.append(f"{track}: {label}")
    height = 70 * mm
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, width * 0.62, height - 50
    chart.data = data
    chart.categoryAxis.categoryNames = [str(y) for y in years]
    chart.categoryAxis.labels.fontName = font
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.valueMin = 0
    for i in range(len(data)):
        chart.bars[i].fillColor = _PALETTE[(i // 2) % len(_PALETTE)] if i % 2 else colors.HexColor("#c8d3df")
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = chart.x + chart.width + 20, height - 20
    legend.fontName, legend.fontSize = font, 8
    legend.colorNamePairs = [(chart.bars[i].fillColor, names[i]) for i in range(len(data))]
    drawing.add(legend)
    drawing.add(String(chart.x, height - 12, _("Money per track and year (100 million KRW)"), fontName=font, fontSize=9))
    return drawing


def dashboard_pdf(dash: Dashboard, lang: str) -> bytes:
    """A landscape A4 report of the dashboard in ``lang`` ("ko" or "en")."""
    with translation.override(lang):
        return _pdf(dash, lang)


def _pdf(dash: Dashboard, lang: str) -> bytes:
    font = register_font()
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=_("Manager dashboard"),
                            author="Dure", lang=lang)
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=20, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    story: list = [Paragraph(_("Manager dashboard"), h1)]
    if dash.programme is not None:
        story.append(Paragraph(escape(dash.programme.name), body))
    story.append(Paragraph(_("Made on %(date)s.") % {"date": f"{timezone.localtime():%Y-%m-%d %H:%M}"}, body))
    chart = _money_chart(dash, doc.width, font)
    if chart is not None:
        story += [Spacer(1, 4 * mm), chart]
    for table in _tables(dash, lang):
        story.append(Paragraph(escape(table.title), h2))
        if not table.rows:
            story.append(Paragraph(_("None."), body))
            continue
        cells = [[Paragraph(escape(str(c)), body) for c in row] for row in [table.header, *table.rows]]
        t = Table(cells, repeatRows=1, hAlign="LEFT")
        t.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa7b5")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(t)
    doc.build(story)
    return out.getvalue()
