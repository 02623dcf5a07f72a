"""Benchmark the monthly report on a synthetic month of 10,000 searches (target: under 10 s).

The month is written through `record_event` (the actions' path) into a
temporary SQLite directory seeded with the real partner list, then the report
is built (queries + charts + HTML) and written as CSV, several times; the
median and the worst run are printed. Filling the month is timed separately.

    .venv/bin/python benchmarks/bench_report.py [--searches 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from tsunagari import db  # noqa: E402
from tsunagari.directory.bootstrap import ensure_directory  # noqa: E402
from tsunagari.directory.models import Service  # noqa: E402
from tsunagari.insight.render import render_html, write_csv  # noqa: E402
from tsunagari.insight.report import build_report  # noqa: E402
from tsunagari.insight.synthetic import fill_month  # noqa: E402

TARGET_S = 10.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--searches", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = db.make_engine(f"sqlite:///{tmp}/bench.sqlite3")
        ensure_directory(engine)
        factory = sessionmaker(bind=engine, future=True)
        month = date(2026, 11, 1)
        t0 = time.perf_counter()
        with factory.begin() as s:
            keys = list(s.execute(select(Service.key).where(Service.public.is_(True))).scalars())
            fill_month(
                s,
                date(2026, 10, 1),
                args.searches * 8 // 10,
                keys,
                seed=1,
                listening=400,
                faq=300,
                gentle=100,
                crisis=40,
            )
            fill_month(s, month, args.searches, keys, seed=2, listening=500, faq=300, gentle=120, crisis=50)
        fill_s = time.perf_counter() - t0
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            with factory.begin() as s:
                report = build_report(s, month)
            html = render_html(report)
            write_csv(report, Path(tmp) / "csv")
            times.append(time.perf_counter() - t)
        engine.dispose()
    median, worst = statistics.median(times), max(times)
    print(
        f"report monthly: {args.searches:,} searches in the month (+{args.searches * 8 // 10:,} the month before); "
        f"filling through record_event took {fill_s:.1f} s ({fill_s / (args.searches * 1.8) * 1000:.2f} ms a search)"
    )
    print(
        f"report build (queries + SVG + HTML + CSV), {args.runs} runs: median {median:.3f} s, worst {worst:.3f} s, "
        f"page {len(html) / 1024:.0f} KiB; target < {TARGET_S:.0f} s: {'OK' if worst < TARGET_S else 'FAIL'}"
    )
    return 0 if worst < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
