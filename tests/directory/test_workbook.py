"""Directory upkeep in Excel (xlsx) and CSV saved by Japanese Excel (CP932)."""

from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from tsunagari.cli import main
from tsunagari.directory.importer import (
    ImportValidationError,
    export_xlsx,
    export_yaml,
    import_file,
)
from tsunagari.directory.models import Organisation, Service

from .test_importer import CSV_HEADER


def snapshot(engine) -> str:
    with sessionmaker(bind=engine, future=True).begin() as s:
        return export_yaml(s)


def export(engine, path):
    with sessionmaker(bind=engine, future=True).begin() as s:
        export_xlsx(s, path)
    return path


def run_import(engine, path):
    with sessionmaker(bind=engine, future=True).begin() as s:
        return import_file(s, path)


def header_index(ws, title):
    return [c.value for c in ws[1]].index(title) + 1


def find_row(ws, column, value):
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=column).value == value:
            return row
    raise AssertionError(f"{value} not in {ws.title}")


def test_workbook_has_a_sheet_per_part_japanese_headers_dropdowns_and_notes(seeded_engine, tmp_path):
    wb = load_workbook(export(seeded_engine, tmp_path / "名簿.xlsx"))
    assert wb.sheetnames == ["団体", "窓口", "営業時間", "連絡先", "説明"]
    services = wb["窓口"]
    assert [c.value for c in services[1]][:4] == ["窓口キー", "団体キー", "窓口名", "カテゴリ"]
    assert services.max_row == 44 and wb["団体"].max_row == 26
    lists = {dv.formula1 for dv in services.data_validations.dataValidation}
    assert '"counseling,free_space,career,crisis_line,community_event"' in lists
    assert '"verified,partly,unverified"' in lists and '"はい,いいえ"' in lists
    notes = [tuple(r) for r in wb["説明"].iter_rows(values_only=True)]
    explained = {(sheet, column) for sheet, column, *_ in notes}
    for sheet in ("団体", "窓口", "営業時間", "連絡先"):
        for cell in wb[sheet][1]:
            assert (sheet, cell.value) in explained, (sheet, cell.value)


def test_round_trip_unchanged_then_an_edited_cell_is_imported(seeded_engine, tmp_path):
    path = export(seeded_engine, tmp_path / "名簿.xlsx")
    summary = run_import(seeded_engine, path)
    assert summary.changed == 0 and summary.services_unchanged == 43 and summary.organisations_unchanged == 25
    wb = load_workbook(path)
    ws = wb["窓口"]
    row = find_row(ws, 1, "yorisoi-hotline")
    ws.cell(row=row, column=header_index(ws, "窓口名")).value = "きみまもチャット（Excelで修正）"
    hours = wb["営業時間"]
    hours.cell(
        row=find_row(hours, 1, "yorisoi-hotline"), column=header_index(hours, "営業時間の補足")
    ).value = "年末年始も受付"
    wb.save(path)
    summary = run_import(seeded_engine, path)
    assert summary.services_updated == 1 and summary.services_unchanged == 42
    with sessionmaker(bind=seeded_engine, future=True).begin() as s:
        svc = s.execute(select(Service).where(Service.key == "yorisoi-hotline")).scalar_one()
        assert svc.name == "きみまもチャット（Excelで修正）" and svc.hours_note == "年末年始も受付"


@pytest.mark.parametrize(
    "typed, stored",
    [
        (datetime(2026, 11, 2), ("2026-11-02", "day")),  # a date cell
        ("2026/11/02", ("2026-11-02", "day")),  # typed the Japanese-Excel way into a text cell
        ("2026-11", ("2026-11-01", "month")),
    ],
)
def test_dates_as_staff_type_them_are_read(seeded_engine, tmp_path, typed, stored):
    path = export(seeded_engine, tmp_path / "d.xlsx")
    wb = load_workbook(path)
    ws = wb["団体"]
    ws.cell(row=2, column=header_index(ws, "確認日")).value = typed
    key = ws.cell(row=2, column=1).value
    wb.save(path)
    assert run_import(seeded_engine, path).organisations_updated == 1
    with sessionmaker(bind=seeded_engine, future=True).begin() as s:
        org = s.execute(select(Organisation).where(Organisation.key == key)).scalar_one()
        assert (org.verified_on.isoformat(), org.verified_precision) == stored


def _broken(seeded_engine, tmp_path, breaker):
    """Export, make one good edit and one break; the import must reject the whole workbook."""
    path = export(seeded_engine, tmp_path / "bad.xlsx")
    wb = load_workbook(path)
    ws = wb["窓口"]
    ws.cell(row=find_row(ws, 1, "yorisoi-hotline"), column=header_index(ws, "窓口名")).value = "変えた名前"
    breaker(wb)
    wb.save(path)
    before = snapshot(seeded_engine)
    with pytest.raises(ImportValidationError) as info:
        run_import(seeded_engine, path)
    assert snapshot(seeded_engine) == before
    return str(info.value)


def test_missing_sheet_is_rejected(seeded_engine, tmp_path):
    text = _broken(seeded_engine, tmp_path, lambda wb: wb.remove(wb["営業時間"]))
    assert "シートがありません: 営業時間" in text


def test_wrong_header_is_rejected(seeded_engine, tmp_path):
    def rename(wb):
        wb["窓口"].cell(row=1, column=3).value = "なまえ"

    text = _broken(seeded_engine, tmp_path, rename)
    assert "「窓口」シート 1行目" in text and "知らない見出しがあります: なまえ" in text
    assert "見出しに必須の列がありません: 窓口名" in text


def test_a_value_in_a_column_without_header_is_rejected(seeded_engine, tmp_path):
    def stray(wb):
        ws = wb["団体"]
        ws.cell(row=3, column=ws.max_column + 2).value = "メモ"

    text = _broken(seeded_engine, tmp_path, stray)
    assert "「団体」シート 3行目: 見出しのない列に値があります" in text


def test_merged_cell_is_rejected(seeded_engine, tmp_path):
    text = _broken(seeded_engine, tmp_path, lambda wb: wb["団体"].merge_cells("C2:C4"))
    assert "「団体」シート C2:C4" in text and "セルが結合されています" in text


def test_date_typed_as_text_and_date_in_a_text_column_are_rejected(seeded_engine, tmp_path):
    def dates(wb):
        ws = wb["窓口"]
        row = find_row(ws, 1, "yorisoi-hotline")
        ws.cell(row=row, column=header_index(ws, "確認日")).value = "2026年11月1日"
        contacts = wb["連絡先"]
        contacts.cell(row=2, column=header_index(contacts, "連絡先")).value = datetime(2026, 3, 1)

    text = _broken(seeded_engine, tmp_path, dates)
    assert "「窓口」シート" in text and "［確認日］" in text and "日付「2026年11月1日」" in text
    assert "「連絡先」シート 2行目" in text and "［連絡先］" in text and "日付として入力されています" in text


def test_a_choice_outside_the_list_names_sheet_row_and_column(seeded_engine, tmp_path):
    def bad_category(wb):
        ws = wb["窓口"]
        ws.cell(row=5, column=header_index(ws, "カテゴリ")).value = "なんでも"

    text = _broken(seeded_engine, tmp_path, bad_category)
    assert "「窓口」シート 5行目" in text and "［カテゴリ］" in text and "カテゴリ「なんでも」は使えません" in text


def test_not_a_workbook_is_a_clear_error(seeded_engine, tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(ImportValidationError, match="Excelファイル"):
        run_import(seeded_engine, path)


CP932_ROWS = (
    "cp-org,渋谷の森,NPO,区の資料,2026-10,verified,cp-a,夜の相談ルーム～ほっと,counseling,夜でも話せる相談です。,"
    "電話|チャット,区の資料,2026-10,verified,mon-fri 18:00-22:00,closed,verified,phone,03-1111-2222,verified\n"
)


def test_csv_saved_by_excel_in_cp932_is_detected_and_imported(seeded_engine, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes((CSV_HEADER + CP932_ROWS).replace("\n", "\r\n").encode("cp932"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # really not UTF-8
    assert run_import(seeded_engine, path).services_created == 1
    with sessionmaker(bind=seeded_engine, future=True).begin() as s:
        svc = s.execute(select(Service).where(Service.key == "cp-a")).scalar_one()
        assert svc.name == "夜の相談ルーム～ほっと" and svc.organisation.name == "渋谷の森"
        assert svc.channel_codes == ["phone", "chat"]


def test_bad_cp932_rows_are_reported_with_row_numbers(seeded_engine, tmp_path):
    path = tmp_path / "excel.csv"
    bad = CP932_ROWS.replace("counseling", "相談")
    path.write_bytes((CSV_HEADER + CP932_ROWS.replace("cp-a", "cp-b") + bad).encode("cp932"))
    before = snapshot(seeded_engine)
    with pytest.raises(ImportValidationError) as info:
        run_import(seeded_engine, path)
    assert "3行目（cp-a）［カテゴリ］: カテゴリ「相談」" in str(info.value)
    assert snapshot(seeded_engine) == before


def test_cli_xlsx_export_and_dry_run_import(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    assert main(["--database-url", url, "directory", "init"]) == 0
    path = tmp_path / "名簿.xlsx"
    assert main(["--database-url", url, "directory", "export", "--format", "xlsx", "-o", str(path)]) == 0
    wb = load_workbook(path)
    ws = wb["窓口"]
    ws.cell(row=2, column=header_index(ws, "窓口名")).value = "試しに変えた名前"
    wb.save(path)
    capsys.readouterr()
    assert main(["--database-url", url, "directory", "import", "--dry-run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "確認のみ（データベースは変更していません）" in out and "窓口 43件" in out
    assert main(["--database-url", url, "directory", "export"]) == 0
    assert "試しに変えた名前" not in capsys.readouterr().out
    ws.cell(row=3, column=header_index(ws, "カテゴリ")).value = "party"
    wb.save(path)
    assert main(["--database-url", url, "directory", "import", "--dry-run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "確認しました（データベースは変更していません）" in err and "「窓口」シート 3行目" in err
    assert main(["--database-url", url, "directory", "export", "--format", "xlsx"]) == 2


def test_cli_round_trip_through_a_cp932_csv(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    assert main(["--database-url", url, "directory", "init"]) == 0
    path = tmp_path / "名簿_sjis.csv"
    assert (
        main(["--database-url", url, "directory", "export", "--format", "csv", "--encoding", "cp932", "-o", str(path)])
        == 0
    )
    assert "近い文字にしました" in capsys.readouterr().err  # the seed has – and ≈ in its sources
    path.read_bytes().decode("cp932")
    assert main(["--database-url", url, "directory", "import", "--dry-run", str(path)]) == 0
    assert "窓口 43件を取り込めます" in capsys.readouterr().out


def test_cp932_export_refuses_a_character_it_cannot_hold():
    from tsunagari.directory.formats import encode_text

    assert encode_text("月–金 ≈", "cp932") == ("月-金 ≒".encode("cp932"), 2)
    with pytest.raises(ValueError, match="2行目の「😀」"):
        encode_text("a\nb😀", "cp932")
