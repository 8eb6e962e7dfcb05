"""`rules/` ships as `dbarch_lint.rules` in wheels and in editable installs."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_every_rule_family_is_packaged() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    families = {
        "dbarch_lint.rules"
        + (
            "." + ".".join(p.parent.relative_to(ROOT / "rules").parts)
            if p.parent != ROOT / "rules"
            else ""
        )
        for p in (ROOT / "rules").rglob("__init__.py")
    }
    engine = {
        "dbarch_lint"
        + (
            "." + ".".join(p.parent.relative_to(ROOT / "src" / "dbarch_lint").parts)
            if p.parent.name != "dbarch_lint"
            else ""
        )
        for p in (ROOT / "src" / "dbarch_lint").rglob("__init__.py")
    }
    assert families | engine == listed


def test_installed_rules_package_is_the_rules_folder() -> None:
    import dbarch_lint.rules

    location = Path(dbarch_lint.rules.__file__).resolve().parent
    assert location == ROOT / "rules" or "site-packages" in location.parts


def test_wheel_contains_rules(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("dbarch_lint-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (ROOT / "rules").rglob("*.py"):
        assert "dbarch_lint/rules/" + path.relative_to(ROOT / "rules").as_posix() in names
    assert "dbarch_lint/py.typed" in names
    assert not any(n.startswith("rules/") for n in names)


def test_import_from_another_directory(tmp_path: Path) -> None:
    code = (
        "import dbarch_lint.rules, dbarch_lint.plugins.host as p;"
        "print(len(p.PluginHost(autoload=False).rules()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 5
