"""Plotly figures for the dashboard and the portal, built on the server as plain JSON-able dicts.

Pages put each figure in a ``<script type="application/json">`` block (data, not code, so the
CSP allows it) and the static ``dure/charts.js`` draws it with plotly.js served from Dure itself.
Every chart has a table with the same numbers next to it for people who do not see the chart.
"""

from __future__ import annotations

import json

import plotly.graph_objects as go
from django.utils.translation import gettext as _

EOK = 100_000_000
_LAYOUT = dict(template="plotly_white", margin=dict(l=60, r=20, t=50, b=50), height=360,
               font=dict(family="Noto Sans KR, system-ui, sans-serif", size=13),
               colorway=["#0b5cad", "#b35900", "#11643a", "#6b3fa0", "#a3151c"])


def _plain(fig: go.Figure) -> dict:
    return json.loads(fig.to_json())


def money_by_track_year(rows) -> dict:
    """Grouped bars: money committed per track and year (억 원), with the budget as markers."""
    fig = go.Figure()
    tracks = list(dict.fromkeys(r.track for r in rows))
    committed, budget = _("committed"), _("budget")
    for track in tracks:
        mine = [r for r in rows if r.track == track]
        fig.add_bar(name=f"{track}: {committed}", x=[r.year for r in mine],
                    y=[r.committed_krw / EOK for r in mine])
        fig.add_scatter(name=f"{track}: {budget}", x=[r.year for r in mine],
                        y=[r.budget_krw / EOK for r in mine], mode="markers", marker=dict(symbol="line-ew-open", size=18))
    fig.update_layout(title=_("Money committed and budget per track and year (100 million KRW)"),
                      barmode="group", yaxis_title=_("100 million KRW (억 원)"), xaxis=dict(dtick=1), **_LAYOUT)
    return _plain(fig)


def international_share(share: float | None, target: float) -> dict:
    fig = go.Figure(go.Indicator(
        mode="gauge+number+delta", value=round((share or 0) * 100, 1), number=dict(suffix="%"),
        delta=dict(reference=target * 100, suffix=" pt"),
        gauge=dict(axis=dict(range=[0, max(30, (share or 0) * 100 + 5)]), bar=dict(color="#0b5cad"),
                   threshold=dict(line=dict(color="#a3151c", width=4), thickness=0.8, value=target * 100)),
    ))
    fig.update_layout(title=_("International share of committed money (red line: target)"), **{**_LAYOUT, "height": 300})
    return _plain(fig)


def outcomes_over_time(by_year) -> dict:
    fig = go.Figure()
    years = [y for y, _t in by_year]
    for key, label in (("papers", _("Papers")), ("patents", _("Patents")), ("licences", _("Licences")),
                       ("jobs", _("Jobs"))):
        fig.add_bar(name=label, x=years, y=[t[key] for _y, t in by_year])
    fig.update_layout(title=_("Outcomes reported per year"), barmode="group", xaxis=dict(dtick=1), **_LAYOUT)
    return _plain(fig)


def money_per_track(rows: list[tuple[str, int, int]]) -> dict:
    """rows: (track, budget, committed) in KRW."""
    fig = go.Figure()
    fig.add_bar(name=_("Budget"), x=[r[0] for r in rows], y=[r[1] / EOK for r in rows])
    fig.add_bar(name=_("Committed"), x=[r[0] for r in rows], y=[r[2] / EOK for r in rows])
    fig.update_layout(title=_("Budget and committed money per track (100 million KRW)"), barmode="group",
                      yaxis_title=_("100 million KRW (억 원)"), **_LAYOUT)
    return _plain(fig)


def partners_map(rows) -> dict:
    """A world map of partner organisations per country. rows: (iso3, country label, organisations, projects)."""
    fig = go.Figure(go.Choropleth(
        locations=[r[0] for r in rows], z=[r[2] for r in rows], text=[r[1] for r in rows],
        locationmode="ISO-3", colorscale="Blues", marker_line_color="#4a5360",
        colorbar=dict(title=_("Organisations")),
        hovertemplate="%{text}: %{z}<extra></extra>",
    ))
    fig.update_layout(title=_("Partner organisations by country"),
                      geo=dict(showframe=False, showcoastlines=True, projection_type="natural earth",
                               resolution=110, showcountries=True),
                      **{**_LAYOUT, "height": 420})
    return _plain(fig)


def chart(element_id: str, label: str, figure: dict) -> dict:
    """What the ``portal/_charts.html`` partial needs to draw one figure."""
    return {"id": element_id, "data_id": f"{element_id}-data", "label": label, "figure": figure}
