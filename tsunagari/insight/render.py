"""The monthly report as HTML (self-contained, inline SVG), CSV (UTF-8 with BOM) and PDF."""

from __future__ import annotations

import csv
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ..clock import now
from . import charts
from .report import WEEKDAYS_JA, MonthReport, Table, month_label, suppress

CHROMIUM = "/usr/bin/chromium"
UNMET_ROWS_SHOWN = 15  # the page stays short; the CSV has every row
INSTALL_CHROMIUM = "apt-get update && apt-get install -y chromium fonts-noto-cjk"


@dataclass
class _Shown:
    """A table with every count already suppressed, as printed."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    labels: int


@dataclass
class _Block:
    heading: str
    chart: str
    tables: list[_Shown] = field(default_factory=list)
    lead: str = ""


def shown(table: Table) -> _Shown:
    rows = [[cell if i < table.labels else suppress(int(cell)) for i, cell in enumerate(row)] for row in table.rows]
    return _Shown(table.title, table.columns, rows, table.labels)


def _blocks(r: MonthReport) -> list[_Block]:
    months = [month_label(m) for m in r.months]
    routes = charts.grouped_bar_chart(
        "経路ごとの検索数（月ごと）", months, [(row[0], row[1:]) for row in r.routes.rows]
    )
    heat = charts.heatmap(f"曜日×時間帯の検索数（{month_label(r.month)}）", list(WEEKDAYS_JA), r.heatmap)
    top_unmet = r.unmet.rows[:12]
    unmet = charts.hbar_chart(
        "届かなかった検索（経路・時間・方法、多い順）",
        [f"{a}・{b}・{c}" for a, b, c, *_ in top_unmet],
        [row[5] for row in top_unmet],
        color=charts.PALETTE[1],
    )
    partners = charts.hbar_chart(
        "団体ごとの窓口の表示回数",
        [row[0] for row in r.partners.rows[:20]],
        [row[2] for row in r.partners.rows[:20]],
        color=charts.PALETTE[2],
    )
    channels = charts.hbar_chart(
        "入口（チャネル）ごとの件数（検索・話を聞く・質問・そっと確認の合計）",
        [row[0] for row in r.channels.rows],
        [sum(row[1:]) for row in r.channels.rows],
        color=charts.PALETTE[3],
    )
    safety = charts.grouped_bar_chart(
        "危機対応の返信とそっと確認（月ごと）",
        months,
        [("危機対応の返信", [row[1] for row in r.safety.rows]), ("そっと確認", [row[2] for row in r.safety.rows])],
    )
    unmet_table = shown(r.unmet)
    if len(unmet_table.rows) > UNMET_ROWS_SHOWN:
        unmet_table.title += f"（多い順に{UNMET_ROWS_SHOWN}件。全{len(unmet_table.rows)}件は --csv の unmet に）"
        unmet_table.rows = unmet_table.rows[:UNMET_ROWS_SHOWN]
    return [
        _Block("相談の種類ごとのニーズ（前月までとの比較）", routes, [shown(r.routes)]),
        _Block(
            "いつ求められているか（曜日×時間帯）",
            heat,
            [],
            "色が濃いほど検索が多い時間帯です。夜間・週末の集中を確認できます（数の表は --csv の heatmap）。",
        ),
        _Block(
            "届かなかった検索（足りない場所の手がかり）",
            unmet,
            [unmet_table],
            "合う窓口がなかった検索と、合う窓口はあるがその時間に開いていなかった検索です。",
        ),
        _Block(
            "連携団体ごとの表示回数",
            partners,
            [shown(r.partners)],
            "住民に窓口として表示された回数です（団体にとってのプラットフォームの効果）。",
        ),
        _Block("入口（チャネル）の内訳", channels, [shown(r.channels), shown(r.topics)]),
        _Block("危機対応とそっと確認の推移", safety, [shown(r.safety)]),
    ]


def render_html(r: MonthReport, generated: datetime | None = None) -> str:
    env = Environment(
        loader=PackageLoader("tsunagari.insight", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    return env.get_template("monthly.html.j2").render(
        month=month_label(r.month),
        first_month=month_label(r.months[0]),
        summary=r.summary,
        empty=r.empty,
        blocks=_blocks(r),
        generated=(generated or now()).strftime("%Y-%m-%d %H:%M"),
    )


def write_csv(r: MonthReport, directory: str | Path) -> list[Path]:
    """One CSV per table, UTF-8 with BOM (Excel opens it correctly), counts suppressed as in the page."""
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    stamp = f"{r.month.year:04d}-{r.month.month:02d}"
    for table in r.tables():
        t = shown(table)
        path = out_dir / f"{stamp}_{table.name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(t.columns)
            writer.writerows(t.rows)
        paths.append(path)
    return paths


class PdfError(RuntimeError):
    pass


def write_pdf(html: str, target: str | Path, chromium: str = CHROMIUM, timeout: int = 120) -> None:
    """Print the page with Debian's headless chromium (fonts-noto-cjk renders the Japanese)."""
    if not Path(chromium).exists() and not shutil.which(chromium):
        raise PdfError(f"{chromium} がありません。インストールしてください: {INSTALL_CHROMIUM}")
    target = Path(target).resolve()
    with tempfile.TemporaryDirectory(prefix="tsunagari-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        cmd = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp}/profile",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"chromium が {timeout} 秒で終わりませんでした") from None
    if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
        raise PdfError(f"PDFを作れませんでした（chromium 終了コード {done.returncode}）")
