"""The manager dashboard's tables as an Excel workbook (openpyxl)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from dure.outcomes.dashboard import OUTCOME_FIELDS, Dashboard


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for i, name in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, len(name) + 2)
    ws.freeze_panes = "A2"


def dashboard_workbook(dash: Dashboard) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "Money", ["track", "year", "budget_krw", "reserved_at_selection_krw", "committed_krw", "signed_krw", "spent_krw"],
           [[r.track_code, r.year, r.budget_krw, r.reserved_krw, r.committed_krw, r.signed_krw, r.spent_krw] for r in dash.money])
    _sheet(wb, "International share", ["committed_krw", "international_krw", "share", "target"],
           [[dash.committed_krw, dash.international_krw, dash.international_share, dash.target]])
    _sheet(wb, "Outcomes per track", ["track", "committed_krw", *OUTCOME_FIELDS, *[f"{k}_per_100m_krw" for k in OUTCOME_FIELDS]],
           [[r.track or "all", r.committed_krw, *[r.totals[k] for k in OUTCOME_FIELDS], *[r.per_eok[k] for k in OUTCOME_FIELDS]]
            for r in dash.outcomes_by_track])
    _sheet(wb, "Outcomes per year", ["year", *OUTCOME_FIELDS],
           [[year, *[t[k] for k in OUTCOME_FIELDS]] for year, t in dash.outcomes_by_year])
    _sheet(wb, "Overdue reports", ["agreement_id", "project", "year_missing"],
           [[o.agreement.pk, o.agreement.proposal.title, o.year] for o in dash.overdue])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
