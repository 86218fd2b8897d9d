"""``linkbot directory import`` and ``export``, run as an operator would, on SQLite."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.integration.test_cli import linkbot

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "directory" / "openreferral-uk"
DEMO = Path(__file__).resolve().parents[2] / "bot" / "data" / "demo_directory.json"


def _env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path}/linkbot.db"}


def _counts(output: str) -> dict[str, int]:
    found = re.search(
        r"(\d+) added, (\d+) updated, (\d+) unchanged, (\d+) no longer listed", output
    )
    assert found, output
    names = ("added", "updated", "unchanged", "gone")
    return dict(zip(names, map(int, found.groups()), strict=True))


def test_the_reference_example_imports_and_exports(tmp_path: Path) -> None:
    env = _env(tmp_path)
    result = linkbot(
        "directory", "import", str(REFERENCE / "service_full.json"), cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    assert _counts(result.stdout) == {"added": 1, "updated": 0, "unchanged": 0, "gone": 0}
    out = tmp_path / "export.json"
    result = linkbot("directory", "export", str(out), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    exported = json.loads(out.read_text())
    assert [s["name"] for s in exported] == ["Community Counselling"]
    assert exported[0]["organization"]["name"] == "Example Organization Inc."


def test_a_reimport_updates_in_place_and_marks_the_missing_inactive(tmp_path: Path) -> None:
    env = _env(tmp_path)
    first = linkbot("directory", "import", str(DEMO), cwd=tmp_path, env=env)
    assert _counts(first.stdout) == {"added": 13, "updated": 0, "unchanged": 0, "gone": 0}
    services = json.loads(DEMO.read_text())
    services[0]["name"] = "Millbrook Food Bank and Pantry"
    del services[1]
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(services))
    again = linkbot("directory", "import", str(changed), cwd=tmp_path, env=env)
    assert _counts(again.stdout) == {"added": 0, "updated": 1, "unchanged": 11, "gone": 1}
    out = tmp_path / "active.json"
    linkbot("directory", "export", str(out), cwd=tmp_path, env=env)
    names = [s["name"] for s in json.loads(out.read_text())]
    assert "Millbrook Food Bank and Pantry" in names and "Money and Benefits Advice" not in names
    everything = tmp_path / "all.json"
    linkbot("directory", "export", "--all", str(everything), cwd=tmp_path, env=env)
    kept = {s["name"]: s["status"] for s in json.loads(everything.read_text())}
    assert kept["Money and Benefits Advice"] == "inactive" and len(kept) == 13


def test_the_export_reimports_to_the_same_content(tmp_path: Path) -> None:
    env = _env(tmp_path)
    linkbot("directory", "import", str(DEMO), cwd=tmp_path, env=env)
    out = tmp_path / "export.json"
    linkbot("directory", "export", str(out), cwd=tmp_path, env=env)
    other = tmp_path / "other"
    other.mkdir()
    result = linkbot("directory", "import", str(out), cwd=other, env=_env(other))
    assert _counts(result.stdout)["added"] == 13
    again = other / "export.json"
    linkbot("directory", "export", str(again), cwd=other, env=_env(other))
    assert json.loads(again.read_text()) == json.loads(out.read_text())
    # And into the first database: nothing changes.
    result = linkbot("directory", "import", str(out), cwd=tmp_path, env=env)
    assert _counts(result.stdout) == {"added": 0, "updated": 0, "unchanged": 13, "gone": 0}


def test_bad_rows_are_listed_and_the_rest_import(tmp_path: Path) -> None:
    services = json.loads(DEMO.read_text())
    services[2]["minimum_age"] = "twelve"
    del services[4]["name"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(services))
    result = linkbot("directory", "import", str(bad), cwd=tmp_path, env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "bad.json" in result.stdout and "minimum_age" in result.stdout
    assert "name" in result.stdout
    assert _counts(result.stdout)["added"] >= 12


def test_an_unreadable_file_is_named_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = linkbot("directory", "import", str(broken), cwd=tmp_path, env=_env(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("linkbot: ") and "broken.json" in lines[0]
    missing = linkbot(
        "directory", "import", str(tmp_path / "nowhere.json"), cwd=tmp_path, env=_env(tmp_path)
    )
    assert missing.returncode == 1 and "nowhere.json" in missing.stderr


def test_the_csv_form_of_the_reference_examples_reads(tmp_path: Path) -> None:
    """The reference folder's CSVs are single tables (locations, taxonomy terms), not a whole
    dataset: the importer says what is missing rather than importing nothing quietly."""
    folder = tmp_path / "tables"
    folder.mkdir()
    for name in ("locations.csv", "taxonomy_terms.csv"):
        shutil.copy(REFERENCE / name, folder / name)
    result = linkbot("directory", "import", str(folder), cwd=tmp_path, env=_env(tmp_path))
    assert result.returncode == 1 and "services" in result.stderr
