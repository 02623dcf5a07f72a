"""The monthly report on a hand-written month: numbers, suppression, empty month, HTML/CSV/PDF, browser."""

from __future__ import annotations

import csv
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from tsunagari import db
from tsunagari.cli import main
from tsunagari.directory.models import Organisation, Service
from tsunagari.directory.repository import record_crisis_event
from tsunagari.insight import charts
from tsunagari.insight.events import record_event
from tsunagari.insight.render import CHROMIUM, INSTALL_CHROMIUM, render_html
from tsunagari.insight.report import build_report

from .conftest import tokyo

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def _times(session, n, iso, channel, **fields):
    for _ in range(n):
        record_event(session, "search", tokyo(iso), channel, **fields)


def fill(session) -> None:
    """October: 10 counseling, 6 free space. November: see the assertions below."""
    _times(
        session, 10, "2026-10-10T20:00", "line", route="counseling", channel_answer="any", time_answer="any", fitted=2
    )
    _times(
        session, 6, "2026-10-11T20:00", "line", route="free_space", channel_answer="any", time_answer="any", fitted=1
    )
    _times(
        session,
        12,
        "2026-11-28T23:40",
        "line",
        route="counseling",
        channel_answer="phone",
        time_answer="now",
        fitted=3,
        shown=["yorisoi-hotline", "tokyo-inochi"],
    )
    _times(
        session,
        8,
        "2026-11-03T14:10",
        "webchat",
        route="counseling",
        channel_answer="chat",
        time_answer="weekday_day",
        fitted=1,
        shown=["yorisoi-hotline"],
    )
    _times(
        session,
        7,
        "2026-11-21T23:05",
        "line",
        route="free_space",
        channel_answer="in_person",
        time_answer="weekend",
        fitted=0,
        none_open=True,
    )
    _times(
        session,
        3,
        "2026-11-02T10:00",
        "line",
        route="career",
        channel_answer="online",
        time_answer="weekday_day",
        fitted=0,
        none_open=False,
    )
    for _ in range(6):
        record_event(session, "listening", tokyo("2026-11-05T01:00"), "line")
    for _ in range(2):
        record_event(session, "faq", tokyo("2026-11-05T12:00"), "webchat", topic="faq_data")
    for _ in range(3):
        record_event(session, "gentle_check", tokyo("2026-11-06T02:00"), "line")
    for _ in range(5):
        record_crisis_event(session, tokyo("2026-11-07T03:00"), "line")


def org_of(session, key):
    return session.execute(select(Organisation.name).join(Service).where(Service.key == key)).scalar_one()


def cells(html: str) -> list[str]:
    return re.findall(r'<td class="n">([^<]*)</td>', html)


def chart_counts(html: str) -> list[str]:
    return re.findall(r'<text class="count"[^>]*>([^<]*)</text>', html)


def test_tables_hold_the_true_counts(any_session):
    session = any_session
    fill(session)
    r = build_report(session, date(2026, 11, 1))
    assert (r.searches, r.searches_previous) == (30, 16)
    routes = {row[0]: row[1:] for row in r.routes.rows}
    assert (
        routes["相談"][-2:] == [10, 20] and routes["居場所"][-2:] == [6, 7] and routes["仕事・キャリア"][-2:] == [0, 3]
    )
    assert r.heatmap[5][23] == 19 and r.heatmap[1][14] == 8 and r.heatmap[0][10] == 3
    assert sum(map(sum, r.heatmap)) == 30
    assert r.unmet.rows == [["居場所", "週末", "対面", 0, 7, 7], ["仕事・キャリア", "平日の昼", "オンライン", 3, 0, 3]]
    partners = {row[0]: row[1:] for row in r.partners.rows}
    assert partners[org_of(session, "yorisoi-hotline")] == [1, 20]
    assert partners[org_of(session, "tokyo-inochi")] == [1, 12]
    channels = {row[0]: row[1:] for row in r.channels.rows}
    assert channels == {"LINE": [22, 6, 0, 3], "Webチャット": [8, 0, 2, 0]}
    assert r.safety.rows[-1] == ["2026年11月", 5, 3] and r.safety.rows[-2] == ["2026年10月", 0, 0]
    assert r.topics.rows == [["話を聞いた会話（その時点で検索なし）", 6], ["質問: データの扱い", 2]]
    assert r.summary == [
        "検索は30件で、前月から88%増えました。",
        "いちばん変わったのは「相談」で、10件から20件に増えました。",
        (
            "合う窓口が見つからなかった検索は10件（検索の33%）で、最も多いのは「居場所・週末・対面」（7件）です。"
            "新しい居場所・窓口の検討材料になります。"
        ),
    ]


def test_the_page_shows_numbers_and_suppresses_small_ones_in_tables_and_charts(session):
    fill(session)
    html = render_html(build_report(session, date(2026, 11, 1)))
    shown = cells(html)
    for value in ("20", "12", "7", "5"):
        assert value in shown, value
    assert "5未満" in shown
    labels = chart_counts(html)
    assert "19" in labels and "8" in labels and "5未満" in labels  # heatmap cells
    for value in shown + labels:
        assert value not in {"1", "2", "3", "4"}, f"unsuppressed small count {value!r}"
    titles = re.findall(r"<title>[^<]*: ([^<]*)</title>", html)
    assert titles and not {t for t in titles if t in {"1", "2", "3", "4"}}
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 6
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    assert "この月の記録はありません" not in html


def test_suppressed_bars_look_the_same_whatever_the_small_count():
    svg = charts.hbar_chart("t", ["a", "b", "c"], [1, 4, 10])
    widths = re.findall(r'<rect x="[^"]+" y="[^"]+" width="([^"]+)" height="18" fill="url', svg)
    assert len(widths) == 2 and widths[0] == widths[1]
    assert "5未満" in svg and ">1<" not in svg and ">4<" not in svg


def test_an_empty_month_still_renders_with_a_note(session):
    html = render_html(build_report(session, date(2027, 1, 1)))
    assert "この月の記録はありません" in html
    assert html.count('class="chart"') == 6 and html.count("この月のデータはありません") >= 4
    assert "2027年1月" in html


def test_cli_writes_html_csv_and_pdf(dburl, tmp_path, capsys):
    engine = db.make_engine(dburl)
    from sqlalchemy.orm import sessionmaker

    with sessionmaker(bind=engine, future=True).begin() as s:
        fill(s)
    engine.dispose()
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is required for the PDF: {INSTALL_CHROMIUM}")
    out, pdf, csv_dir = tmp_path / "report.html", tmp_path / "report.pdf", tmp_path / "csv"
    code = main(
        [
            "--database-url",
            dburl,
            "report",
            "monthly",
            "--month",
            "2026-11",
            "-o",
            str(out),
            "--csv",
            str(csv_dir),
            "--pdf",
            str(pdf),
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert "2026年11月のレポートを書き出しました" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"NotoSansCJK" in data  # Japanese rendered with Noto CJK
    routes = csv_dir / "2026-11_routes.csv"
    raw = routes.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert table[0][0] == "経路" and ["仕事・キャリア", "0", "0", "0", "0", "0", "5未満"] in table
    assert ["相談", "0", "0", "0", "0", "10", "20"] in table
    names = sorted(p.name for p in csv_dir.iterdir())
    assert names == sorted(
        f"2026-11_{n}.csv" for n in ("routes", "heatmap", "unmet", "partners", "channels", "safety", "topics")
    )
    for path in csv_dir.iterdir():
        for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines()[1:]):
            assert not {c for c in row[1:] if c in {"1", "2", "3", "4"}}, (path.name, row)


def test_cli_refuses_a_bad_month_and_a_missing_output(dburl, capsys):
    assert main(["--database-url", dburl, "report", "monthly", "--month", "2026/11", "-o", "x.html"]) == 2
    assert "YYYY-MM" in capsys.readouterr().err
    assert main(["--database-url", dburl, "report", "monthly", "--month", "2026-11"]) == 2


def test_page_opens_in_headless_chromium_with_japanese_and_charts(session, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found. Install it: {INSTALL_CHROMIUM}")
    fill(session)
    page = tmp_path / "report.html"
    page.write_text(render_html(build_report(session, date(2026, 11, 1))), encoding="utf-8")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "report_monthly.png"
    shot.unlink(missing_ok=True)
    base = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    assert dom.returncode == 0, dom.stderr[-500:]
    assert dom.stdout.count("<svg") >= 6 and "今月のポイント" in dom.stdout
    done = subprocess.run(
        [*base, "--hide-scrollbars", "--window-size=900,2400", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and shot.stat().st_size > 50_000


def test_pdf_without_chromium_names_the_install_command(tmp_path):
    from tsunagari.insight.render import PdfError, write_pdf

    with pytest.raises(PdfError, match="apt-get update && apt-get install -y chromium fonts-noto-cjk"):
        write_pdf("<html></html>", tmp_path / "x.pdf", chromium=str(tmp_path / "no-chromium"))
    assert not (tmp_path / "x.pdf").exists()
