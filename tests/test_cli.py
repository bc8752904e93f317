"""The command line, run as a user runs it: exit codes, files written, messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import pwlc

ROOT = Path(__file__).resolve().parent.parent
RECIDIVISM = ROOT / "golden" / "models" / "recidivism.pwl"


def pwlc_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pwlc", *args], capture_output=True, text=True, cwd=cwd)


def test_compile_edit_and_read_back(tmp_path: Path) -> None:
    out = tmp_path / "risk.py"
    done = pwlc_cli("compile", str(RECIDIVISM), "-t", "python", "-o", str(out))
    assert done.returncode == 0, done.stderr
    edited = out.read_text().replace("(25, 0.2)", "(30, 0.2)")
    out.write_text(edited)
    back = pwlc_cli("compile", str(out), "-t", "pwl")
    assert back.returncode == 0, back.stderr
    assert "curve age { 18: 0.61, 30: 0.2, 46: -0.45, 70: -0.6 }" in back.stdout
    assert pwlc.read(back.stdout, format="pwl").terms[2:] == pwlc.read(RECIDIVISM).terms[2:]


def test_a_mistake_is_one_message_with_a_caret_and_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pwl"
    bad.write_text("input x : numeric\ncurve x { 0: 1, 0: 2 }\n")
    done = pwlc_cli("compile", str(bad))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"{bad}:2:1: curve on 'x': knot positions must be strictly increasing (0.0 then 0.0)",
        "    curve x { 0: 1, 0: 2 }",
        "    ^",
    ]


def test_missing_file_and_unknown_target() -> None:
    done = pwlc_cli("compile", "no/such/model.pwl")
    assert (done.returncode, done.stderr.strip()) == (1, "no/such/model.pwl: no such file")
    done = pwlc_cli("compile", str(RECIDIVISM), "-t", "cobol")
    assert done.returncode == 1 and "unknown target 'cobol'" in done.stderr and "Traceback" not in done.stderr


def test_fmt_check_and_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "m.pwl"
    path.write_text("input x:numeric\ncurve x{0:1,1:2}\n")
    assert pwlc_cli("fmt", "--check", str(path)).returncode == 1
    assert path.read_text() == "input x:numeric\ncurve x{0:1,1:2}\n"
    assert pwlc_cli("fmt", str(path)).returncode == 0
    assert pwlc_cli("fmt", "--check", str(path)).returncode == 0
    assert pwlc.read(path).terms == (pwlc.Curve("x", (0.0, 1.0), (1.0, 2.0)),)


def test_fmt_refuses_to_drop_a_comment(tmp_path: Path) -> None:
    path = tmp_path / "m.pwl"
    path.write_text("input x : numeric\n# why this knot: see ticket 12\ncurve x { 0: 1 }\n")
    done = pwlc_cli("fmt", str(path))
    assert done.returncode == 1 and f"{path}:2:1: fmt would drop this comment" in done.stderr
    assert "ticket 12" in path.read_text()


def test_help_warns_about_pickles_and_list_names_targets() -> None:
    assert "runs code" in pwlc_cli("--help").stdout
    listed = pwlc_cli("list").stdout
    assert "python" in listed and "pwl" in listed


def test_distill_a_lightgbm_model_file_then_report_and_compile_to_sql(tmp_path: Path) -> None:
    from lightgbm import LGBMClassifier

    from pwlc.datasets import compas
    from tests.real_data import load

    data = load(compas)
    numeric = data.X[list(data.numeric)]
    teacher = LGBMClassifier(n_estimators=40, max_depth=1, verbose=-1).fit(numeric, data.y)
    teacher.booster_.save_model(str(tmp_path / "teacher.txt"))
    numeric.assign(label=data.y).to_csv(tmp_path / "compas.csv", index=False)

    done = pwlc_cli("distill", "teacher.txt", "--data", "compas.csv", "--segments", "3", "-O2", "-o", "risk.pwl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "RMS error" in done.stderr and "round{" in done.stderr
    student = pwlc.read(tmp_path / "risk.pwl")
    assert {t.feature for t in student.terms if isinstance(t, pwlc.Curve)} == set(data.numeric)

    done = pwlc_cli("report", "risk.pwl", "--data", "compas.csv", "--teacher", "teacher.txt", "--labels", "label", "-o", "report.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "report.html").read_text().count("<img ") == len(data.numeric)

    done = pwlc_cli("compile", "risk.pwl", "-t", "sql:postgres", "--table", "people", "--keys", "id", "-o", "risk.sql", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    query = (tmp_path / "risk.sql").read_text()
    assert 'FROM "people"' in query and '"id"' in query
    assert pwlc_cli("fmt", "--check", "risk.sql", cwd=tmp_path).returncode == 0
    assert pwlc.read(tmp_path / "risk.sql") == student


def test_distill_refuses_a_pickle_unless_allowed(tmp_path: Path) -> None:
    import pickle

    (tmp_path / "model.pkl").write_bytes(pickle.dumps({"not": "a model"}))
    (tmp_path / "d.csv").write_text("x\n1\n")
    done = pwlc_cli("distill", "model.pkl", "--data", "d.csv", cwd=tmp_path)
    assert done.returncode == 1 and "--allow-pickle" in done.stderr and "Traceback" not in done.stderr
    done = pwlc_cli("distill", "model.pkl", "--data", "d.csv", "--allow-pickle", cwd=tmp_path)
    assert done.returncode == 1 and "pwlc: warning: loading" in done.stderr and "Traceback" not in done.stderr


def test_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    import os
    import pty

    data = tmp_path / "rows.csv"
    data.write_text("age,priors_count,length_of_stay,sex,c_charge_degree\n30,1,5,Male,F\n50,4,60,Female,M\n")
    args = ["compile", str(RECIDIVISM), "-O", "2", "--data", str(data), "-o", str(tmp_path / "out.py")]
    quiet = pwlc_cli(*args)
    assert quiet.returncode == 0 and "optimizing" not in quiet.stderr
    leader, follower = pty.openpty()
    done = subprocess.run([sys.executable, "-m", "pwlc", *args], stdout=subprocess.DEVNULL, stderr=follower, env={**os.environ, "COLUMNS": "100"})
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    assert done.returncode == 0
    assert b"optimizing" in shown


def test_a_pwlc_bug_is_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """An exception pwlc did not expect still reaches the user as one line (exit 2); the
    traceback is there when asked for."""
    from pwlc import cli

    def broken(*args: object, **options: object) -> object:
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(cli, "_write", broken)
    assert cli.main(["compile", str(RECIDIVISM), "-t", "python"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "pwlc: internal error (ZeroDivisionError: float division by zero); this is a bug in pwlc: please report it, with PWLC_DEBUG=1 for the traceback"
    ]
    monkeypatch.setenv("PWLC_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        cli.main(["compile", str(RECIDIVISM), "-t", "python"])


def test_sql_that_sqlglot_cannot_parse_is_one_message(tmp_path: Path) -> None:
    """sqlglot logs its own warning before falling back; the user sees pwlc's message only."""
    bad = tmp_path / "bad.sql"
    bad.write_text("-- Dialect: bigquery\nEND\n  SELECT\n    CAST(`age` AS FLOAT64) AS `age`\n")
    done = pwlc_cli("compile", str(bad), "-t", "pwl")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"{bad}:1:1: expected a SELECT query", "    -- Dialect: bigquery", "    ^"]


# --- writing files: the suffix picks the target, all or nothing, errors name the path --


def test_the_output_suffix_picks_the_target_and_a_contradicting_t_is_refused(tmp_path: Path) -> None:
    model = pwlc.read(RECIDIVISM)
    for name in ("out.pwl", "out.py", "out.sql", "out.c"):
        done = pwlc_cli("compile", str(RECIDIVISM), "-o", str(tmp_path / name))
        assert done.returncode == 0, done.stderr
        assert pwlc.read(tmp_path / name) == model
    assert (tmp_path / "out.h").is_file()
    assert pwlc_cli("compile", str(RECIDIVISM), "-t", "sql:duckdb", "-o", str(tmp_path / "duck.sql")).returncode == 0
    done = pwlc_cli("compile", str(RECIDIVISM), "-t", "python", "-o", str(tmp_path / "wrong.pwl"))
    assert done.returncode == 1 and not (tmp_path / "wrong.pwl").exists()
    assert done.stderr.strip() == f"-t python writes python but -o {tmp_path / 'wrong.pwl'} names a .pwl file (pwl); drop -t to write pwl, or give -o a .py name"


def test_a_failed_compile_leaves_the_old_file_and_no_other(tmp_path: Path) -> None:
    out = tmp_path / "risk.py"
    out.write_text("# the deployed version\n")
    out.chmod(0o640)
    bad = tmp_path / "bad.pwl"
    bad.write_text("input x : numeric\ncurve x { 0: 1, 0: 2 }\n")
    done = pwlc_cli("compile", str(bad), "-o", str(out))
    assert done.returncode == 1 and "strictly increasing" in done.stderr
    assert out.read_text() == "# the deployed version\n"
    assert pwlc_cli("compile", str(bad), "-o", str(tmp_path / "new.py")).returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pwl", "risk.py"]
    assert pwlc_cli("compile", str(RECIDIVISM), "-o", str(out)).returncode == 0
    assert out.stat().st_mode & 0o777 == 0o640 and "def score(" in out.read_text()  # replaced, permissions kept


def test_c_writes_the_source_and_the_header_or_neither(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from pwlc import cli
    from pwlc.backends import backend

    def broken_header(model: object) -> str:
        raise pwlc.UnsupportedError("this header cannot be written")

    monkeypatch.setattr(backend("c"), "emit_header", broken_header)
    assert cli.main(["compile", str(RECIDIVISM), "-o", str(tmp_path / "risk.c")]) == 1
    assert "this header cannot be written" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_text_that_is_not_utf8_is_shown_at_its_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "model.pwl"
    bad.write_bytes(b"input x : numeric\ncurve x { 0: 1, 1: 2 } # caf\xe9\n")
    done = pwlc_cli("compile", str(bad))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{bad}:2:29: not UTF-8 text: byte 0xe9 (invalid continuation byte); save the file as UTF-8",
        "    curve x { 0: 1, 1: 2 } # caf\ufffd",
        "                                ^",
    ]


def test_io_errors_name_the_path(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    cases = [
        (("compile", str(RECIDIVISM), "-o", str(tmp_path / "missing" / "x.py")), f"{tmp_path / 'missing' / 'x.py'}: cannot write it: '{tmp_path / 'missing'}' does not exist; create it first"),
        (("compile", str(RECIDIVISM), "-o", str(folder)), f"{folder}: is a folder; give -o a file name"),
        (("compile", str(folder)), f"{folder}: is a folder, not a file"),
        (("compile", str(RECIDIVISM), "-o", str(RECIDIVISM / "x.py")), f"{RECIDIVISM / 'x.py'}: cannot write it: '{RECIDIVISM}' is not a folder"),
        (("compile", str(RECIDIVISM), "-o", "/proc/risk.py"), "/proc/risk.py: cannot write it ("),
        (("fmt", str(tmp_path / "gone.pwl")), f"{tmp_path / 'gone.pwl'}: no such file"),
        (("report", str(RECIDIVISM), "--data", str(tmp_path / "gone.csv")), f"{tmp_path / 'gone.csv'}: no such file"),
    ]
    for args, message in cases:
        done = pwlc_cli(*args)
        assert done.returncode == 1, (args, done.stderr)
        assert done.stderr.startswith(message), (args, done.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("compile", "{model}", "-t", "sql:duckdb", "--table", ""), "--table must name the table"),
        (("compile", "{model}", "--data", "{data}"), "--data is what -O2/-O3 or -p passes measure"),
        (("compile", "{model}", "-O", "3"), "refit needs data"),
        (("compile", "{model}", "-p", "round{{tol=-1}}"), "round: tol must be a finite number >= 0"),
        (("compile", "{model}", "-O", "2", "--data", "{other}"), "data has no column for input(s) 'age'"),
        (("compile", "{folder}/noext"), "cannot tell the format from suffix ''"),
        (("compile", "{model}", "-f", "cobol"), "unknown target 'cobol'"),
        (("distill", "{model}", "--data", "{data}"), "not a model pwlc can read"),
        (("report", "{model}", "--data", "{data}", "--labels", "nope"), "no column 'nope' for --labels"),
        (("fmt", "{data}"), "pwlc formats .pwl and emitted"),
        (("check", "{model}", "--against", "{folder}/gone.pwl"), "gone.pwl: no such file"),
        (("diff", "{model}", "{folder}/gone.pwl"), "gone.pwl: no such file"),
    ],
)
def test_user_mistakes_in_every_verb_are_one_message(tmp_path: Path, args: tuple[str, ...], says: str) -> None:
    data = tmp_path / "rows.csv"
    data.write_text("age,priors_count,length_of_stay,sex,c_charge_degree\n30,1,5,Male,F\n")
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    (tmp_path / "noext").write_text("x")
    filled = [a.format(model=RECIDIVISM, data=data, other=other, folder=tmp_path) for a in args]
    done = pwlc_cli(*filled)
    assert done.returncode in (1, 2) and says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["noext", "other.csv", "rows.csv"]
