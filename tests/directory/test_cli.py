"""The `tsunagari` console script, called in-process through main([...])."""

import pytest

from tsunagari.cli import main

from .test_importer import BAD_YAML, GOOD_YAML


@pytest.fixture
def dburl(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.sqlite3'}"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_is_idempotent(capsys, dburl):
    code, out, _ = run(capsys, "--database-url", dburl, "directory", "init")
    assert code == 0 and "初期データを読み込みました" in out and "窓口 43件" in out
    code, out, _ = run(capsys, "--database-url", dburl, "directory", "init")
    assert code == 0 and "準備済み" in out


def test_default_url_comes_from_env(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TSUNAGARI_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    code, out, _ = run(capsys, "directory", "init")
    assert code == 0 and (tmp_path / "env.sqlite3").exists()


def test_list_shows_hidden_with_reason(capsys, dburl):
    code, out, _ = run(capsys, "--database-url", dburl, "directory", "list")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[-1] == "窓口 43件（住民に表示 26件・非表示 17件）"
    habikone = next(line for line in lines if line.startswith("NPO法人はびこね"))
    assert "非表示" in habikone
    code, out, _ = run(capsys, "--database-url", dburl, "directory", "list", "--public")
    assert "非表示（" not in out


def test_find_prints_name_first_one_per_line(capsys, dburl):
    code, out, _ = run(
        capsys,
        "--database-url",
        dburl,
        "directory",
        "find",
        "--category",
        "counseling",
        "--at",
        "2026-11-29T23:30",
        "--when",
        "now",
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("よりそいホットライン｜24時間｜受付中")
    assert lines[1].startswith("あなたのいばしょ（チャット相談）｜24時間｜受付中")
    assert lines[-1].startswith("2件（ご希望どおり）")


def test_find_with_channel_line_and_age(capsys, dburl):
    code, out, _ = run(
        capsys,
        "--database-url",
        dburl,
        "directory",
        "find",
        "--category",
        "counseling",
        "--at",
        "2026-11-29T23:30",
        "--channel",
        "line",
        "--when",
        "now",
        "--age",
        "25",
    )
    assert code == 0
    assert "ご希望の時間に開いている窓口は見つかりませんでした。" in out
    assert "近い候補" in out.strip().splitlines()[-1]


def test_find_json_and_bad_input(capsys, dburl):
    import json

    code, out, _ = run(
        capsys,
        "--database-url",
        dburl,
        "directory",
        "find",
        "--category",
        "crisis_line",
        "--at",
        "2026-11-23T23:30",
        "--json",
    )
    assert code == 0 and json.loads(out)["exact"] is True
    code, _, err = run(
        capsys, "--database-url", dburl, "directory", "find", "--category", "counseling", "--at", "next tuesday"
    )
    assert code == 2 and "条件が正しくありません" in err


def test_check_flags_old_entries_and_exits_non_zero(capsys, dburl, monkeypatch):
    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-27T10:00")
    code, out, _ = run(capsys, "--database-url", dburl, "directory", "check")
    assert code == 1
    assert "180日以上" in out and "受付時間が未登録か未確認です" in out
    assert "確認が必要な項目が" in out.strip().splitlines()[-1]


def test_check_passes_on_a_clean_directory(capsys, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'clean.sqlite3'}"
    path = tmp_path / "good.yml"
    path.write_text(GOOD_YAML, encoding="utf-8")
    assert main(["--database-url", url, "directory", "import", str(path)]) == 0
    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-27T10:00")
    code, out, _ = run(capsys, "--database-url", url, "directory", "check")
    assert code == 0 and "問題は見つかりませんでした" in out


def test_import_bad_file_exit_2_and_database_unchanged(capsys, dburl, tmp_path):
    run(capsys, "--database-url", dburl, "directory", "init")
    _, before, _ = run(capsys, "--database-url", dburl, "directory", "export")
    path = tmp_path / "bad.yml"
    path.write_text(BAD_YAML, encoding="utf-8")
    code, out, err = run(capsys, "--database-url", dburl, "directory", "import", str(path))
    assert code == 2
    assert "取り込みを中止しました（データベースは変更していません）" in err and "20行目" in err
    _, after, _ = run(capsys, "--database-url", dburl, "directory", "export")
    assert after == before


def test_import_missing_file(capsys, dburl):
    code, _, err = run(capsys, "--database-url", dburl, "directory", "import", "/nonexistent.yml")
    assert code == 2 and "見つかりません" in err


def test_export_csv_to_file_then_import_shows_progress(capsys, dburl, tmp_path):
    run(capsys, "--database-url", dburl, "directory", "init")
    target = tmp_path / "out.csv"
    code, _, err = run(capsys, "--database-url", dburl, "directory", "export", "--format", "csv", "-o", str(target))
    assert code == 0 and "団体 25件・窓口 43件" in err
    assert target.read_text(encoding="utf-8").startswith("org_key,")


def test_long_import_shows_progress(capsys, dburl, tmp_path):
    from .test_importer import CSV_HEADER

    rows = [CSV_HEADER.strip()]
    for i in range(150):
        rows.append(
            f"bulk-org,一括団体,NPO,src,2026-10,verified,bulk-{i},一括窓口{i},career,説明です。,phone,"
            f"src,2026-10,verified,mon-fri 9:00-17:00,closed,verified,phone,03-1111-{i:04d},verified"
        )
    bulk = tmp_path / "bulk.csv"
    bulk.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "--database-url", dburl, "directory", "import", str(bulk))
    assert code == 0
    assert "取り込み中… 151/151件" in err
    assert "窓口 新規150" in out
    code, out, err = run(capsys, "--database-url", dburl, "directory", "import", str(bulk))
    assert "窓口 新規0・更新0・変更なし150" in out


def test_report_crisis(capsys, dburl):
    from tsunagari import db
    from tsunagari.directory.repository import record_crisis_event

    from .conftest import tokyo

    run(capsys, "--database-url", dburl, "directory", "init")
    with db.session_scope(dburl) as s:
        record_crisis_event(s, tokyo("2026-11-20T22:15"), "line")
        record_crisis_event(s, tokyo("2026-11-20T22:45"), "line")
        record_crisis_event(s, tokyo("2026-11-21T03:00"), "socketio")
    code, out, _ = run(capsys, "--database-url", dburl, "report", "crisis", "--since", "2026-11-01")
    assert code == 0
    assert "2026-11-20\t22時\tline\t2" in out
    assert out.strip().splitlines()[-1] == "危機対応の件数: 合計 3件（2026-11-01 以降、line 2件・socketio 1件）"
    code, _, err = run(capsys, "--database-url", dburl, "report", "crisis", "--since", "yesterday")
    assert code == 2


def test_usage_error_returns_2(capsys):
    assert main(["directory"]) == 2
