"""`tsunagari` console script for ward staff: directory upkeep and aggregate reports.

Output is Japanese and ends with a one-line summary. Exit codes: 0 fine,
1 something needs staff attention (`directory check`), 2 bad input or file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

EXIT_OK, EXIT_ATTENTION, EXIT_ERROR = 0, 1, 2
STALE_DAYS = 180


def _out(text: str = "") -> None:
    print(text, file=sys.stdout)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _engine(args: argparse.Namespace):
    from .db import get_engine

    return get_engine(args.database_url)


def _session(args: argparse.Namespace):
    from .db import session_scope

    return session_scope(args.database_url)


# --- directory ------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from .db import database_url
    from .directory.bootstrap import ensure_directory
    from .directory.repository import list_services

    seeded = ensure_directory(_engine(args))
    with _session(args) as session:
        services = list_services(session)
        public = sum(1 for s in services if s.public)
    url = _safe_url(args.database_url or database_url())
    if seeded:
        _out(f"データベースを準備し、初期データを読み込みました: {url}")
    else:
        _out(f"データベースは準備済みです（初期データは読み込み済みのため変更していません）: {url}")
    _out(f"窓口 {len(services)}件（住民に表示 {public}件・非表示 {len(services) - public}件）")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from .db import upgrade_schema
    from .directory.importer import ImportValidationError, import_file, validate_file

    path = Path(args.file)
    if not path.is_file():
        _err(f"ファイルが見つかりません: {path}")
        return EXIT_ERROR
    upgrade_schema(_engine(args))
    progress = _progress_printer()
    try:
        with _session(args) as session:
            if args.dry_run:
                batch = validate_file(session, path, args.format)
                _out(
                    f"確認のみ（データベースは変更していません）: 問題はありません。"
                    f"団体 {len(batch.organisations)}件・窓口 {len(batch.services)}件を取り込めます"
                )
                return EXIT_OK
            summary = import_file(session, path, args.format, progress=progress)
    except ImportValidationError as exc:
        verb = "確認しました" if args.dry_run else "取り込みを中止しました"
        _err(f"{verb}（データベースは変更していません）。問題が {len(exc.issues)}件あります:")
        for issue in exc.issues:
            _err(f"  {issue}")
        return EXIT_ERROR
    _out(
        "取り込み完了: "
        f"団体 新規{summary.organisations_created}・更新{summary.organisations_updated}・変更なし{summary.organisations_unchanged}／"
        f"窓口 新規{summary.services_created}・更新{summary.services_updated}・変更なし{summary.services_unchanged}"
        f"（住民に表示中の窓口 {summary.public_services}件）"
    )
    return EXIT_OK


def _progress_printer(threshold: int = 100) -> Callable[[int, int], None]:
    state = {"last": -1}

    def report(done: int, total: int) -> None:
        if total < threshold:
            return
        step = max(total // 10, 1)
        if done == total or done // step != state["last"]:
            state["last"] = done // step
            _err(f"取り込み中… {done}/{total}件")

    return report


def cmd_export(args: argparse.Namespace) -> int:
    from .db import upgrade_schema
    from .directory.importer import export_csv, export_records, export_xlsx, export_yaml

    upgrade_schema(_engine(args))
    if args.format == "xlsx":
        if not args.output:
            _err("xlsx は -o でファイル名を指定してください（例: -o 名簿.xlsx）")
            return EXIT_ERROR
        with _session(args) as session:
            batch = export_xlsx(session, args.output)
    else:
        with _session(args) as session:
            text = export_csv(session) if args.format == "csv" else export_yaml(session)
            batch = export_records(session)
        if args.output:
            from .directory.formats import encode_text

            try:
                data, replaced = encode_text(text, args.encoding)
            except ValueError as exc:
                _err(str(exc))
                return EXIT_ERROR
            Path(args.output).write_bytes(data)
            if replaced:
                _err(f"Shift_JIS にない記号 {replaced}か所を近い文字にしました（– → - など）")
        else:
            sys.stdout.write(text)
    _err(f"書き出し完了（{args.format}）: 団体 {len(batch.organisations)}件・窓口 {len(batch.services)}件")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from .directory.bootstrap import ensure_directory
    from .directory.repository import list_services
    from .directory.visibility import service_hidden_reasons

    ensure_directory(_engine(args))
    with _session(args) as session:
        services = list_services(session, include_hidden=not args.public)
        public = 0
        for s in services:
            categories = "/".join(s.category_codes)
            if s.public:
                public += 1
                _out(f"{s.name}｜表示｜{categories}｜{s.key}｜{s.organisation.name}")
            else:
                reasons = "、".join(service_hidden_reasons(s)) or "団体が非表示"
                _out(f"{s.name}｜非表示（{reasons}）｜{categories}｜{s.key}｜{s.organisation.name}")
    _out(f"窓口 {len(services)}件（住民に表示 {public}件・非表示 {len(services) - public}件）")
    return EXIT_OK


def cmd_find(args: argparse.Namespace) -> int:
    from .clock import ClockError, now, parse_datetime
    from .directory.bootstrap import ensure_directory
    from .directory.lookup import LookupRequest, find_services

    try:
        at = parse_datetime(args.at) if args.at else now()
        request = LookupRequest(
            category=args.category, channel=args.channel, when=args.when, at=at, age=args.age, limit=args.limit
        )
    except (ClockError, ValueError) as exc:
        _err(f"条件が正しくありません: {exc}")
        return EXIT_ERROR
    ensure_directory(_engine(args))
    with _session(args) as session:
        result = find_services(session, request)
    if args.json:
        _out(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    for card in result.cards:
        contact = " / ".join(
            f"{c.label} {c.value}" if c.kind in ("url", "line") and c.value.startswith("http") else c.label
            for c in card.contacts
        )
        state = {True: "受付中", False: "時間外", None: "要確認"}[card.open_now]
        fields = [card.name, card.today_hours, state, contact, "・".join(card.reasons)]
        if card.verified_note:
            fields.append(card.verified_note)
        _out("｜".join(fields))
    if result.note:
        _out(result.note)
    label = "ご希望どおり" if result.exact else "ご希望どおりの窓口はなく、近い候補"
    _out(f"{len(result.cards)}件（{label}）: {args.category} {at.strftime('%Y-%m-%d %H:%M')}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .clock import now
    from .directory.bootstrap import ensure_directory
    from .directory.importer import validate_contact_value
    from .directory.lookup import format_date_ja
    from .directory.repository import list_organisations, list_services
    from .directory.visibility import fact_showable, organisation_hidden_reasons, service_hidden_reasons

    ensure_directory(_engine(args))
    today = now().date()
    limit = today - timedelta(days=args.days)
    problems: list[str] = []
    with _session(args) as session:
        services = list_services(session)
        flagged = set()
        for s in services:
            issues: list[str] = []
            for c in [*s.contacts, *s.organisation.contacts]:
                try:
                    validate_contact_value(c.kind, c.value)
                except ValueError as exc:
                    issues.append(f"連絡先の形が正しくありません: {exc}")
            if s.hidden or s.organisation.hidden:
                problems += [f"[要確認] {s.key} {s.name}: {i}" for i in issues]
                flagged.update([s.key] if issues else [])
                continue
            facts = [("窓口の情報", s.confidence, s.verified_on, s.verified_precision)]
            if s.hours_confidence != "unverified":
                facts.append(("受付時間", s.hours_confidence, s.hours_verified_on, s.hours_precision))
            facts += [
                (f"連絡先「{c.value}」", c.confidence, c.verified_on, c.verified_precision)
                for c in s.contacts
                if c.confidence != "unverified"
            ]
            for label, confidence, verified_on, precision in facts:
                if confidence == "unverified":
                    continue
                if verified_on is None:
                    issues.append(f"{label}の確認日がありません（日付がないため表示できません）")
                elif verified_on < limit:
                    issues.append(
                        f"{label}の確認から{args.days}日以上たっています（最終確認: {format_date_ja(verified_on, precision)}）"
                    )
            if s.hours_type == "unknown" or not fact_showable(s.hours_confidence, s.hours_verified_on):
                issues.append("受付時間が未登録か未確認です")
            hidden = service_hidden_reasons(s)
            if hidden:
                issues.append(f"住民には表示されていません（{'、'.join(hidden)}）")
            if issues:
                flagged.add(s.key)
            problems += [f"[要確認] {s.key} {s.name}: {i}" for i in issues]
        for org in list_organisations(session):
            if org.hidden:
                continue
            reasons = organisation_hidden_reasons(org)
            if reasons:
                problems.append(
                    f"[要確認] 団体 {org.key} {org.name}: 住民には表示されていません（{'、'.join(reasons)}）"
                )
    for line in problems:
        _out(line)
    if problems:
        _out(f"確認が必要な項目が {len(problems)}件あります（窓口 {len(services)}件中 {len(flagged)}件）。")
        return EXIT_ATTENTION
    _out(f"問題は見つかりませんでした（窓口 {len(services)}件）。")
    return EXIT_OK


# --- reports ----------------------------------------------------------------------------


def cmd_report_crisis(args: argparse.Namespace) -> int:
    from .clock import now
    from .db import upgrade_schema
    from .directory.repository import crisis_event_counts

    try:
        since = date.fromisoformat(args.since) if args.since else now().date() - timedelta(days=30)
    except ValueError:
        _err(f"--since は YYYY-MM-DD の形で指定してください: {args.since}")
        return EXIT_ERROR
    upgrade_schema(_engine(args))
    with _session(args) as session:
        rows = crisis_event_counts(session, since)
    by_channel: dict[str, int] = {}
    if rows:
        _out("日付\t時\tチャネル\t件数")
    for row in rows:
        _out(f"{row.event_date.isoformat()}\t{row.hour:02d}時\t{row.channel}\t{row.count}")
        by_channel[row.channel] = by_channel.get(row.channel, 0) + row.count
    total = sum(by_channel.values())
    detail = "・".join(f"{k} {v}件" for k, v in sorted(by_channel.items()))
    _out(f"危機対応の件数: 合計 {total}件（{since.isoformat()} 以降{'、' + detail if detail else ''}）")
    return EXIT_OK


def cmd_report_monthly(args: argparse.Namespace) -> int:
    from .clock import now
    from .db import upgrade_schema
    from .insight.render import PdfError, render_html, write_csv, write_pdf
    from .insight.report import build_report, month_start

    try:
        month = month_start(args.month) if args.month else now().date().replace(day=1)
    except ValueError as exc:
        _err(str(exc))
        return EXIT_ERROR
    if not (args.output or args.pdf or args.csv):
        _err("-o（HTML）、--pdf、--csv のどれかで出力先を指定してください")
        return EXIT_ERROR
    upgrade_schema(_engine(args))
    with _session(args) as session:
        report = build_report(session, month)
    html = render_html(report, now())
    written = []
    if args.output:
        Path(args.output).write_text(html, encoding="utf-8")
        written.append(args.output)
    if args.csv:
        written += [str(p) for p in write_csv(report, args.csv)]
    if args.pdf:
        try:
            write_pdf(html, args.pdf)
        except PdfError as exc:
            _err(str(exc))
            return EXIT_ERROR
        written.append(args.pdf)
    note = "（この月の記録はありません）" if report.empty else ""
    _out(f"{month.year}年{month.month}月のレポートを書き出しました{note}: " + "、".join(written))
    return EXIT_OK


# --- retention --------------------------------------------------------------------------


def cmd_retention(args: argparse.Namespace) -> int:
    from .clock import now
    from .db import make_engine
    from .privacy.retention import delete_old_conversations, retention_days, tracker_url

    try:
        days = args.days if args.days is not None else retention_days()
    except ValueError as exc:
        _err(str(exc))
        return EXIT_ERROR
    if days < 1 or args.batch_size < 1:
        _err("--days と --batch-size は 1 以上の整数で指定してください。")
        return EXIT_ERROR
    url = args.tracker_url or tracker_url()
    engine = make_engine(url)
    try:
        result = delete_old_conversations(engine, days, now(), batch_size=args.batch_size)
    finally:
        engine.dispose()
    _out(
        f"保存期間 {days}日: 最後のやりとりが {result.cutoff.strftime('%Y-%m-%d %H:%M')} より前の会話を削除しました"
        f"（会話 {result.conversations}件・記録 {result.events}件、{_safe_url(url)}）。危機対応の件数は残しています。"
    )
    return EXIT_OK


# --- parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from .directory.lookup import REQUEST_CHANNELS, WHEN_VALUES
    from .directory.models import CATEGORIES

    parser = argparse.ArgumentParser(prog="tsunagari", description="つながりナビ 管理用コマンド")
    parser.add_argument(
        "--database-url",
        default=None,
        help="データベースURL（省略時は TSUNAGARI_DATABASE_URL、なければ var/directory.sqlite3）",
    )
    top = parser.add_subparsers(dest="group", required=True)

    directory = top.add_parser("directory", help="窓口ディレクトリの管理")
    sub = directory.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="データベースを作成し、空なら初期データを読み込む").set_defaults(func=cmd_init)

    p = sub.add_parser("import", help="YAML / CSV / Excel を取り込む（1件でも問題があれば全体を取り込まない）")
    p.add_argument("file")
    p.add_argument(
        "--format",
        choices=("yaml", "csv", "xlsx"),
        default=None,
        help="省略時は拡張子で判断（CSVは UTF-8 と Shift_JIS を自動判別）",
    )
    p.add_argument("--dry-run", action="store_true", help="確認だけして、データベースには書き込まない")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="YAML / CSV / Excel に書き出す")
    p.add_argument("--format", choices=("yaml", "csv", "xlsx"), default="yaml")
    p.add_argument("--output", "-o", default=None, help="省略時は標準出力")
    p.add_argument(
        "--encoding",
        choices=("utf-8", "utf-8-sig", "cp932"),
        default="utf-8",
        help="-o のファイルの文字コード（Excel で開く CSV は utf-8-sig か cp932）",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("list", help="窓口の一覧（非表示の理由つき）")
    p.add_argument("--public", action="store_true", help="住民に表示される窓口だけ")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("find", help="ボットと同じ条件で窓口を探す")
    p.add_argument("--category", required=True, choices=CATEGORIES)
    p.add_argument("--channel", choices=(*REQUEST_CHANNELS, "any"), default=None)
    p.add_argument("--when", choices=(*WHEN_VALUES, "any"), default=None)
    p.add_argument("--at", default=None, help="日時（例: 2026-11-29T23:30）。省略時は現在")
    p.add_argument("--age", type=int, default=None)
    p.add_argument("--limit", type=int, default=3)
    p.add_argument("--json", action="store_true", help="JSONで出力")
    p.set_defaults(func=cmd_find)

    p = sub.add_parser("check", help="古い情報・時間の未登録・形の崩れた連絡先を探す")
    p.add_argument("--days", type=int, default=STALE_DAYS)
    p.set_defaults(func=cmd_check)

    report = top.add_parser("report", help="集計レポート")
    rsub = report.add_subparsers(dest="command", required=True)
    p = rsub.add_parser("crisis", help="危機対応の件数（日付・時間帯・チャネル別。本文や利用者IDは記録しません）")
    p.add_argument("--since", default=None, help="この日以降（YYYY-MM-DD）。省略時は30日前から")
    p.set_defaults(func=cmd_report_crisis)
    p = rsub.add_parser("monthly", help="月次レポート（HTML・PDF・CSV。集計値のみ、5未満は伏せ字）")
    p.add_argument("--month", default=None, help="対象月（YYYY-MM）。省略時は今月")
    p.add_argument("--output", "-o", default=None, help="HTMLの出力先（例: report.html）")
    p.add_argument("--pdf", default=None, help="PDFの出力先（chromium を使います）")
    p.add_argument("--csv", default=None, metavar="DIR", help="表をCSV（UTF-8 BOM付き）で書き出すフォルダ")
    p.set_defaults(func=cmd_report_monthly)

    p = top.add_parser("retention", help="保存期間を過ぎた会話を会話ストアから削除する（危機対応の件数は残す）")
    p.add_argument(
        "--days",
        type=int,
        default=None,
        help="最後のやりとりからこの日数を過ぎた会話を削除（省略時は TSUNAGARI_RETENTION_DAYS、なければ30）",
    )
    p.add_argument(
        "--tracker-url",
        default=None,
        help="会話ストアのURL（省略時は TSUNAGARI_TRACKER_URL、なければ var/tracker.sqlite3）",
    )
    p.add_argument("--batch-size", type=int, default=500, help="1回のトランザクションで削除する会話の数")
    p.set_defaults(func=cmd_retention)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the reason
        return int(exc.code or 0)
    try:
        return args.func(args)
    except Exception as exc:  # broad on purpose: a short message for staff, not a traceback
        from .clock import ClockError

        if isinstance(exc, ClockError):
            _err(f"時刻の設定が正しくありません: {exc}")
            return EXIT_ERROR
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            _err(f"データベースエラー: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
            return EXIT_ERROR
        raise


if __name__ == "__main__":
    sys.exit(main())
