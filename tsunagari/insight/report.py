"""The monthly insight report's figures, from the aggregate tables only.

`build_report` reads `insight_events`, `insight_services_shown` and
`crisis_events` for one month (and the months before it, for trends) and
returns plain tables. Small numbers are suppressed when they are shown
(`suppress`), never here, so sums and comparisons use the true counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..directory.models import (
    CATEGORIES,
    CrisisEvent,
    InsightEvent,
    InsightServiceShown,
    Organisation,
    Service,
)

SUPPRESS_BELOW = 5
SUPPRESSED = "5未満"
TREND_MONTHS = 6

ROUTE_JA = {
    "counseling": "相談",
    "free_space": "居場所",
    "career": "仕事・キャリア",
    "crisis_line": "24時間の電話相談",
    "community_event": "地域の集まり",
    "other": "その他",
    "": "（未選択）",
}
CHANNEL_ANSWER_JA = {
    "in_person": "対面",
    "phone": "電話",
    "chat": "チャット",
    "online": "オンライン",
    "any": "こだわらない",
    "other": "その他",
    "": "（未回答）",
}
TIME_ANSWER_JA = {
    "now": "今すぐ",
    "weekday_day": "平日の昼",
    "evening": "夕方・夜",
    "weekend": "週末",
    "any": "いつでも",
    "other": "その他",
    "": "（未回答）",
}
INPUT_CHANNEL_JA = {
    "line": "LINE",
    "webchat": "Webチャット",
    "socketio": "Webチャット（socket.io）",
    "rest": "REST（試験・連携）",
    "cmdline": "試験用シェル",
    "unknown": "不明",
    "other": "その他",
}
WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")
TOPIC_JA = {
    "faq_about": "このサービスについて",
    "faq_operator": "運営者",
    "faq_anonymous_free": "匿名・無料か",
    "faq_data": "データの扱い",
    "other": "その他",
}


def suppress(n: int) -> str:
    """1–4 become 「5未満」 so that no small group can be picked out; 0 stays 0."""
    return SUPPRESSED if 0 < n < SUPPRESS_BELOW else f"{n:,}"


def is_suppressed(n: int) -> bool:
    return 0 < n < SUPPRESS_BELOW


def month_start(text: str) -> date:
    """'2026-11' -> date(2026, 11, 1); ValueError with a Japanese reason otherwise."""
    try:
        year, month = (int(p) for p in text.strip().split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ValueError(f"月は YYYY-MM の形で指定してください: {text}") from None


def add_months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_label(d: date) -> str:
    return f"{d.year}年{d.month}月"


@dataclass
class Table:
    """A titled table of counts; the first `labels` columns are text, the rest counts."""

    name: str  # file name for --csv
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    labels: int = 1

    def total(self, column: int) -> int:
        return sum(r[column] for r in self.rows)


@dataclass
class MonthReport:
    month: date
    months: list[date]  # TREND_MONTHS months ending with `month`
    searches: int
    searches_previous: int
    routes: Table  # route x month
    heatmap: list[list[int]]  # 7 weekdays x 24 hours, searches this month
    unmet: Table  # route x time x channel: nothing fitted / none open
    partners: Table  # organisation: services shown
    channels: Table  # input channel: searches, listening, FAQ, gentle checks
    safety: Table  # month: crisis replies, gentle checks
    topics: Table  # FAQ topic / listening this month
    summary: list[str]

    events: int = 0  # everything recorded this month (searches, listening, FAQ, checks, crisis replies)

    @property
    def empty(self) -> bool:
        return self.events == 0

    def tables(self) -> list[Table]:
        heat = Table("heatmap", "曜日×時間帯の検索数", ["曜日", *[f"{h}時" for h in range(24)]])
        heat.rows = [[WEEKDAYS_JA[d], *self.heatmap[d]] for d in range(7)]
        return [self.routes, heat, self.unmet, self.partners, self.channels, self.safety, self.topics]


def _month_filter(column, start: date, end: date):
    return (column >= start) & (column < end)


def build_report(session: Session, month: date) -> MonthReport:
    month = month.replace(day=1)
    months = [add_months(month, i) for i in range(-(TREND_MONTHS - 1), 1)]
    start, end = months[0], add_months(month, 1)
    this = _month_filter(InsightEvent.event_date, month, end)

    # Needs by route, per month (the route trend).
    E = InsightEvent
    month_key = (
        func.strftime("%Y-%m", E.event_date)
        if session.get_bind().dialect.name == "sqlite"
        else func.to_char(E.event_date, "YYYY-MM")
    )
    by_route_month: dict[tuple[str, str], int] = defaultdict(int)
    for route, ym, n in session.execute(
        select(E.route, month_key, func.sum(E.count))
        .where(E.kind == "search", _month_filter(E.event_date, start, end))
        .group_by(E.route, month_key)
    ):
        by_route_month[(route, ym)] += int(n)
    month_keys = [f"{m.year:04d}-{m.month:02d}" for m in months]
    routes = Table("routes", "相談の種類（経路）ごとの検索数", ["経路", *[month_label(m) for m in months]])
    for route in (*CATEGORIES, "other", ""):
        row = [by_route_month.get((route, k), 0) for k in month_keys]
        if any(row) or route in ("counseling", "free_space", "career"):
            routes.rows.append([ROUTE_JA[route], *row])
    searches = sum(n for (r, k), n in by_route_month.items() if k == month_keys[-1])
    searches_previous = sum(n for (r, k), n in by_route_month.items() if k == month_keys[-2])

    # Weekday x hour heatmap.
    heatmap = [[0] * 24 for _ in range(7)]
    for how, n in session.execute(
        select(E.hour_of_week, func.sum(E.count)).where(E.kind == "search", this).group_by(E.hour_of_week)
    ):
        heatmap[how // 24][how % 24] += int(n)

    # Unmet demand: nothing fitted, or some fitted the need but none the time asked.
    unmet_rows: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for route, when, channel, none_open, n in session.execute(
        select(E.route, E.time_answer, E.channel_answer, E.none_open, func.sum(E.count))
        .where(E.kind == "search", this, E.fitted == 0)
        .group_by(E.route, E.time_answer, E.channel_answer, E.none_open)
    ):
        unmet_rows[(route, when, channel)][1 if none_open else 0] += int(n)
    unmet = Table(
        "unmet",
        "届かなかった検索（合う窓口がない・その時間に開いていない）",
        ["経路", "希望の時間", "希望の方法", "合う窓口なし", "その時間は開いていない", "合計"],
        labels=3,
    )
    for (route, when, channel), (none_fit, none_open) in sorted(
        unmet_rows.items(), key=lambda kv: -(kv[1][0] + kv[1][1])
    ):
        unmet.rows.append(
            [
                ROUTE_JA.get(route, route),
                TIME_ANSWER_JA.get(when, when),
                CHANNEL_ANSWER_JA.get(channel, channel),
                none_fit,
                none_open,
                none_fit + none_open,
            ]
        )

    # Services shown per partner organisation.
    S = InsightServiceShown
    shown = session.execute(
        select(Organisation.name, func.count(func.distinct(S.service_key)), func.sum(S.count))
        .select_from(S)
        .outerjoin(Service, Service.key == S.service_key)
        .outerjoin(Organisation, Organisation.id == Service.organisation_id)
        .where(_month_filter(S.event_date, month, end))
        .group_by(Organisation.name)
    ).all()
    partners = Table("partners", "団体ごとの窓口の表示回数", ["団体", "表示された窓口の数", "表示回数"])
    for name, services, n in sorted(shown, key=lambda r: (-int(r[2]), r[0] or "")):
        partners.rows.append([name or "（削除された窓口）", int(services), int(n)])

    # Channel split of everything recorded this month.
    kinds = ("search", "listening", "faq", "gentle_check")
    by_channel: dict[str, list[int]] = defaultdict(lambda: [0] * len(kinds))
    for channel, kind, n in session.execute(
        select(E.input_channel, E.kind, func.sum(E.count)).where(this).group_by(E.input_channel, E.kind)
    ):
        if kind in kinds:
            by_channel[channel][kinds.index(kind)] += int(n)
    channels = Table(
        "channels", "入口（チャネル）ごとの件数", ["入口", "検索", "話を聞いた会話", "よくある質問", "そっと確認"]
    )
    for channel, counts in sorted(by_channel.items(), key=lambda kv: -sum(kv[1])):
        channels.rows.append([INPUT_CHANNEL_JA.get(channel, channel), *counts])

    # Crisis replies and gentle checks, per month.
    C = CrisisEvent
    c_month = (
        func.strftime("%Y-%m", C.event_date)
        if session.get_bind().dialect.name == "sqlite"
        else func.to_char(C.event_date, "YYYY-MM")
    )
    crisis = {
        ym: int(n)
        for ym, n in session.execute(
            select(c_month, func.sum(C.count)).where(_month_filter(C.event_date, start, end)).group_by(c_month)
        )
    }
    gentle = {
        ym: int(n)
        for ym, n in session.execute(
            select(month_key, func.sum(E.count))
            .where(E.kind == "gentle_check", _month_filter(E.event_date, start, end))
            .group_by(month_key)
        )
    }
    safety = Table("safety", "危機対応とそっと確認の件数（月ごと）", ["月", "危機対応の返信", "そっと確認"])
    for m, k in zip(months, month_keys, strict=True):
        safety.rows.append([month_label(m), crisis.get(k, 0), gentle.get(k, 0)])

    # FAQ topics and listening-only conversations this month.
    topics = Table("topics", "よくある質問と、話を聞いた会話", ["内容", "件数"])
    for kind, topic, n in session.execute(
        select(E.kind, E.topic, func.sum(E.count))
        .where(this, E.kind.in_(("faq", "listening")))
        .group_by(E.kind, E.topic)
    ):
        label = "話を聞いた会話（その時点で検索なし）" if kind == "listening" else f"質問: {TOPIC_JA.get(topic, topic)}"
        topics.rows.append([label, int(n)])
    topics.rows.sort(key=lambda r: -r[1])

    events = sum(sum(row[1:]) for row in channels.rows) + safety.rows[-1][1]
    report = MonthReport(
        month,
        months,
        searches,
        searches_previous,
        routes,
        heatmap,
        unmet,
        partners,
        channels,
        safety,
        topics,
        [],
        events,
    )
    report.summary = summarise(report)
    return report


# --- the three things that changed --------------------------------------------------------


def _change(now: int, before: int) -> str:
    if before == 0:
        return "前月の記録はありませんでした"
    pct = round((now - before) * 100 / before)
    return f"前月から{abs(pct)}%{'増えました' if pct > 0 else '減りました'}" if pct else "前月と同じでした"


def summarise(r: MonthReport) -> list[str]:
    """Three plain sentences; small numbers stay suppressed here too."""
    if r.searches == 0 and r.searches_previous == 0:
        return ["この月の記録はありません。", "", ""][:1]
    lines = [
        f"検索は{suppress(r.searches)}件で、{_change(r.searches, r.searches_previous)}"
        if not (is_suppressed(r.searches) or is_suppressed(r.searches_previous))
        else f"検索は{suppress(r.searches)}件でした（少ないため増減は示しません）。"
    ]
    if not lines[0].endswith("。"):
        lines[0] += "。"
    # The route that moved most.
    moves = [(row[-1] - row[-2], row[0], row[-1], row[-2]) for row in r.routes.rows]
    moves = [m for m in moves if m[0] and m[2] >= SUPPRESS_BELOW and m[3] >= SUPPRESS_BELOW]
    if moves:
        delta, name, now, before = max(moves, key=lambda m: abs(m[0]))
        lines.append(
            f"いちばん変わったのは「{name}」で、{suppress(before)}件から{suppress(now)}件に"
            f"{'増えました' if delta > 0 else '減りました'}。"
        )
    else:
        top = max(r.routes.rows, key=lambda row: row[-1], default=None)
        if top and top[-1]:
            lines.append(f"いちばん多かったのは「{top[0]}」（{suppress(top[-1])}件）でした。")
    # Where support ran out.
    unmet_total = r.unmet.total(5) if r.unmet.rows else 0
    if unmet_total:
        route, when, channel, *_, n = r.unmet.rows[0]
        share = round(unmet_total * 100 / r.searches) if r.searches else 0
        where = f"「{route}・{when}・{channel}」"
        lines.append(
            f"合う窓口が見つからなかった検索は{suppress(unmet_total)}件"
            f"{f'（検索の{share}%）' if not is_suppressed(unmet_total) else ''}で、"
            f"最も多いのは{where}（{suppress(n)}件）です。新しい居場所・窓口の検討材料になります。"
        )
    else:
        lines.append("合う窓口が見つからなかった検索はありませんでした。")
    return lines[:3]
