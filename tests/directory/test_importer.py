import textwrap

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from tsunagari import db
from tsunagari.directory.importer import (
    ImportValidationError,
    export_csv,
    export_yaml,
    import_file,
    validate_contact_value,
)
from tsunagari.directory.models import Service
from tsunagari.directory.repository import directory_revision

GOOD_YAML = textwrap.dedent("""\
    version: 1
    organisations:
      - key: test-org
        name: テスト団体
        kind: NPO
        source: test source
        verified_on: 2026-11-01
        confidence: verified
    services:
      - key: test-line
        organisation: test-org
        name: テスト相談
        category: counseling
        description: テスト用の相談窓口です。
        channels: [phone]
        source: test source
        verified_on: 2026-11-01
        confidence: verified
        hours: {spec: "daily 17:00-翌5:30", holidays: as_usual, confidence: verified}
        contacts:
          - {kind: phone, value: 03-1234-5678, confidence: verified}
    """)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(engine) -> str:
    with sessionmaker(bind=engine, future=True).begin() as s:
        return export_yaml(s)


def run_import(engine, path, **kw):
    with sessionmaker(bind=engine, future=True).begin() as s:
        return import_file(s, path, **kw)


def test_import_then_reimport_is_idempotent(seeded_engine, tmp_path):
    path = write(tmp_path, "good.yml", GOOD_YAML)
    first = run_import(seeded_engine, path)
    assert (first.organisations_created, first.services_created) == (1, 1)
    second = run_import(seeded_engine, path)
    assert second.changed == 0 and second.services_unchanged == 1
    with sessionmaker(bind=seeded_engine, future=True).begin() as s:
        assert directory_revision(s) == 2  # seed + first import; the no-op did not bump it


def test_update_by_stable_key(seeded_engine, tmp_path):
    run_import(seeded_engine, write(tmp_path, "a.yml", GOOD_YAML))
    changed = GOOD_YAML.replace("daily 17:00-翌5:30", "mon-fri 10:00-17:00")
    summary = run_import(seeded_engine, write(tmp_path, "b.yml", changed))
    assert summary.services_updated == 1 and summary.services_created == 0
    with sessionmaker(bind=seeded_engine, future=True).begin() as s:
        svc = s.execute(select(Service).where(Service.key == "test-line")).scalar_one()
        assert len(svc.hours) == 5


BAD_YAML = textwrap.dedent("""\
    version: 1
    organisations:
      - key: test-org
        name: テスト団体
        kind: 株式会社
        verified_on: 2026-11-01
        confidence: verified
        source: x
    services:
      - key: ok-service
        organisation: test-org
        name: 大丈夫な窓口
        category: counseling
        description: 問題のない行です。
        source: x
        verified_on: 2026-11-01
        confidence: verified
        hours: {spec: 24h, confidence: verified}
        contacts: [{kind: phone, value: 0120-111-222, confidence: verified}]
      - key: bad-service
        organisation: test-org
        name: 問題のある窓口
        category: party
        description: 説明
        channels: [telepathy]
        source: x
        verified_on: 2026-13-01
        confidence: sure
        hours: {spec: "mon 17:00-5:30", confidence: verified}
        contacts:
          - {kind: phone, value: 12345, confidence: verified}
          - {kind: url, value: "ftp://example.org", confidence: verified}
    """)


def test_bad_yaml_rejected_whole_with_line_numbers(seeded_engine, tmp_path):
    before = snapshot(seeded_engine)
    with pytest.raises(ImportValidationError) as info:
        run_import(seeded_engine, write(tmp_path, "bad.yml", BAD_YAML))
    text = str(info.value)
    issues = info.value.issues
    assert len(issues) >= 8
    assert "3行目" in text and "団体の種類「株式会社」" in text
    assert "20行目（bad-service）" in text
    assert "32行目（bad-service 連絡先2）" in text
    for fragment in (
        "カテゴリ「party」",
        "相談方法「telepathy」",
        "存在しない日付",
        "confidence「sure」",
        "翌",
        "電話番号「12345」",
        "URL「ftp://example.org」",
    ):
        assert fragment in text, fragment
    assert snapshot(seeded_engine) == before  # the good row was not imported either


def test_rows_that_are_not_mappings_are_reported_not_read(seeded_engine, tmp_path):
    before = snapshot(seeded_engine)
    body = "version: 1\norganisations:\n  - [not, a, mapping]\nservices:\n  - just a string\n"
    with pytest.raises(ImportValidationError) as info:
        run_import(seeded_engine, write(tmp_path, "shapes.yml", body))
    text = str(info.value)
    assert "organisations 1件目: 形が正しくありません" in text
    assert "services 1件目: 形が正しくありません" in text
    assert snapshot(seeded_engine) == before


CSV_HEADER = (
    "org_key,org_name,org_kind,org_source,org_verified_on,org_confidence,service_key,service_name,"
    "category,description,channels,source,verified_on,confidence,hours,holidays,hours_confidence,"
    "contact1_kind,contact1_value,contact1_confidence\n"
)


def test_csv_import_and_row_numbered_errors(seeded_engine, tmp_path):
    good = CSV_HEADER + (
        "csv-org,CSV団体,NPO,src,2026-10,verified,csv-a,CSV窓口A,career,仕事の相談です。,in_person|電話,src,2026-10,"
        "verified,mon-fri 9:00-17:00,closed,verified,phone,03-1111-2222,verified\n"
    )
    summary = run_import(seeded_engine, write(tmp_path, "good.csv", good))
    assert summary.services_created == 1
    before = snapshot(seeded_engine)
    bad = good.replace("csv-a,", "csv-b,") + (
        "csv-org,CSV団体,NPO,src,2026-10,verified,csv-c,CSV窓口C,career,説明,,src,2026-10,verified,"
        "mon-fri 9:00-17:00,sometimes,verified,phone,0120-12-34,verified\n"
        "csv-org,CSV団体,NPO,src,2026-10,verified,csv-d,CSV窓口D,career,説明,,src,undated,partly,"
        "10:00-17:00,as_usual,partly,url,example.org,partly\n"
    )
    with pytest.raises(ImportValidationError) as info:
        run_import(seeded_engine, write(tmp_path, "bad.csv", bad))
    text = str(info.value)
    assert "3行目" in text and "祝日の扱い「sometimes」" in text and "0120-12-34" in text
    assert "4行目" in text and "URL「example.org」" in text and "曜日" in text
    assert "2行目" not in text  # the good first row has no issue
    assert snapshot(seeded_engine) == before


def test_failure_during_write_rolls_back(seeded_engine, tmp_path):
    before = snapshot(seeded_engine)
    path = write(tmp_path, "good.yml", GOOD_YAML)

    def explode(done, total):
        if done == total:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        with sessionmaker(bind=seeded_engine, future=True).begin() as s:
            import_file(s, path, progress=explode)
    assert snapshot(seeded_engine) == before


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_export_import_round_trip(seeded_engine, tmp_path, fmt):
    with sessionmaker(bind=seeded_engine, future=True).begin() as s:
        text = export_csv(s) if fmt == "csv" else export_yaml(s)
    summary = run_import(seeded_engine, write(tmp_path, f"all.{'csv' if fmt == 'csv' else 'yml'}", text))
    assert summary.changed == 0
    assert summary.services_unchanged == 43 and summary.organisations_unchanged == 25


def test_round_trip_into_an_empty_database(sqlite_engine, seeded_engine, tmp_path):
    with sessionmaker(bind=seeded_engine, future=True).begin() as s:
        text = export_csv(s)
    other = db.make_engine("sqlite://")
    db.upgrade_schema(other)
    summary = run_import(other, write(tmp_path, "all.csv", text))
    assert summary.services_created == 43
    with sessionmaker(bind=other, future=True).begin() as s:
        assert s.execute(select(func.count()).select_from(Service).where(Service.public.is_(True))).scalar() == 26
    assert snapshot(other) == snapshot(seeded_engine)


@pytest.mark.parametrize(
    "value",
    [
        "03-3264-4343",
        "0120-783-556",
        "0570-087478",
        "0570-064-556",
        "050-3655-0279",
        "#7119",
        "110",
        "119",
        "090-1234-5678",
    ],
)
def test_valid_phone_numbers(value):
    assert validate_contact_value("phone", value) == value


@pytest.mark.parametrize(
    "value", ["12345", "03-3264-43", "0120-78-556x", "#71", "3264-4343", "0312345678901", "03 3264 4343"]
)
def test_invalid_phone_numbers(value):
    with pytest.raises(ValueError, match="電話番号"):
        validate_contact_value("phone", value)


@pytest.mark.parametrize(
    "kind, value, ok",
    [
        ("url", "https://hikikomori-tokyo.jp", True),
        ("url", "http://example.org/a?b=c", True),
        ("url", "hikikomori-tokyo.jp", False),
        ("url", "javascript:alert(1)", False),
        ("line", "https://line.me/R/ti/p/%40373suajs", True),
        ("line", "@yorisoi-chat", True),
        ("line", "こころのほっとチャット", True),
        ("line", "https://evil.example.org/line", False),
        ("address", "", False),
    ],
)
def test_url_and_line_validation(kind, value, ok):
    if ok:
        assert validate_contact_value(kind, value) == value
    else:
        with pytest.raises(ValueError):
            validate_contact_value(kind, value)


def test_unknown_format_rejected(tmp_path, seeded_engine):
    with pytest.raises(ImportValidationError, match="形式"):
        run_import(seeded_engine, write(tmp_path, "x.json", "{}"))


def test_verified_fact_needs_a_source(seeded_engine, tmp_path):
    text = GOOD_YAML.replace("    source: test source\n", "")
    with pytest.raises(ImportValidationError, match="出典"):
        run_import(seeded_engine, write(tmp_path, "nosrc.yml", text))
