"""The moderators' insights page (issue #19): charts, their tables, CSV downloads."""

import csv
import io
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.accounts.deps import ModeratorUser
from app.db import SessionDep
from app.moderation import charts, insights
from app.moderation.insights_figures import Insights
from app.moderation.views import TABS
from app.web import render

router = APIRouter()

PERIODS = (7, 30, 90, 365)
Days = Annotated[int, Query()]
TableName = Literal["daily", "reasons", "busiest"]
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    name: str
    caption: str
    headers: list[str]
    rows: list[list[str]]
    csv_url: str


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _tables(request: Request, figures: Insights, days: int) -> dict[str, Table]:
    def url(name: str) -> str:
        return f"{request.app.url_path_for('moderation.insights_csv', table=name)}?days={days}"

    return {
        "daily": Table(
            "daily",
            f"Figures per day, last {days} days",
            [
                "Date",
                "Posted",
                "Approved",
                "Rejected",
                "Spam",
                "Waiting at end of day",
                "Oldest waiting (hours)",
                "Median time to decision (minutes)",
            ],
            [
                [
                    _cell(v)
                    for v in (
                        d.date,
                        d.posted,
                        d.approved,
                        d.rejected,
                        d.spam,
                        d.pending_end,
                        d.oldest_pending_hours,
                        d.median_decision_minutes,
                    )
                ]
                for d in figures.days
            ],
            url("daily"),
        ),
        "reasons": Table(
            "reasons",
            f"Reports by reason, last {days} days",
            ["Reason", "Reports"],
            [
                [r.replace("_", " ").capitalize(), str(n)]
                for r, n in figures.reports_by_reason.items()
            ],
            url("reasons"),
        ),
        "busiest": Table(
            "busiest",
            f"Busiest discussions, last {days} days",
            ["Article", "Comments"],
            [[b.title, str(b.comments)] for b in figures.busiest],
            url("busiest"),
        ),
    }


@dataclass(frozen=True)
class Section:
    """Charts and, right after them, the table holding their figures."""

    charts: list[charts.Chart]
    table: Table


def _sections(figures: Insights, tables: dict[str, Table]) -> list[Section]:
    dates = [d.date.isoformat() for d in figures.days]
    span = f"from {dates[0]} to {dates[-1]}"

    def line(chart_id: str, title: str, **values: list[float | None]) -> charts.Chart:
        series = [charts.Series(label, v) for label, v in values.items()]
        return charts.line_chart(
            chart_id,
            title,
            f"Line chart {span}; the figures are in the table below.",
            dates,
            series,
        )

    return [
        Section(
            [
                line(
                    "chart-status",
                    "Comments per day by status",
                    Posted=[d.posted for d in figures.days],
                    Approved=[d.approved for d in figures.days],
                    Rejected=[d.rejected for d in figures.days],
                    Spam=[d.spam for d in figures.days],
                ),
                line(
                    "chart-queue",
                    "Comments waiting at the end of each day",
                    Waiting=[d.pending_end for d in figures.days],
                ),
                line(
                    "chart-oldest",
                    "Age of the oldest waiting comment (hours)",
                    Hours=[d.oldest_pending_hours for d in figures.days],
                ),
                line(
                    "chart-median",
                    "Median time from posting to decision (minutes)",
                    Minutes=[d.median_decision_minutes for d in figures.days],
                ),
            ],
            tables["daily"],
        ),
        Section(
            [
                charts.bar_chart(
                    "chart-reasons",
                    "Reports by reason",
                    "Bar chart; the figures are in the table below.",
                    [(row[0], int(row[1])) for row in tables["reasons"].rows],
                )
            ],
            tables["reasons"],
        ),
        Section(
            [
                charts.bar_chart(
                    "chart-busiest",
                    "Busiest discussions",
                    "Bar chart of comments per article; the figures are in the "
                    "table below.",
                    [(b.title, b.comments) for b in figures.busiest],
                )
            ],
            tables["busiest"],
        ),
    ]


@router.get("/moderation/insights", name="moderation.insights")
def insights_page(
    request: Request, session: SessionDep, moderator: ModeratorUser, days: Days = 30
) -> Response:
    figures = insights.stats(session, days=days, actor=moderator)
    tables = _tables(request, figures, days)
    periods = [
        (n, f"{request.app.url_path_for('moderation.insights')}?days={n}", n == days)
        for n in PERIODS
    ]
    return render(
        request,
        "moderation/insights.html",
        {
            "figures": figures,
            "days": days,
            "periods": periods,
            "sections": [] if figures.empty else _sections(figures, tables),
            "insights_tab": True,
            **TABS,
        },
    )


@router.get("/moderation/insights/{table}.csv", name="moderation.insights_csv")
def insights_csv(
    request: Request,
    session: SessionDep,
    moderator: ModeratorUser,
    table: TableName,
    days: Days = 30,
) -> Response:
    figures = insights.stats(session, days=days, actor=moderator)
    chosen = _tables(request, figures, days)[table]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(chosen.headers)
    for row in chosen.rows:
        writer.writerow([f"'{c}" if c.startswith(FORMULA_STARTS) else c for c in row])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="haven-{table}-{days}d.csv"'
        },
    )
