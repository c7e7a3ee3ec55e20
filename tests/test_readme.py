"""The README's quickstarts are the files under examples/quickstart/, verbatim, and the Python one runs as files."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
QUICKSTART = ROOT / "examples" / "quickstart"

# Each quickstart file and the fenced-block language the README shows it in.
INCLUDED = {
    "python/app.py": "python",
    "python/test_app.py": "python",
    "go/main.go": "go",
    "ts/handler.ts": "ts",
}


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", README.read_text(encoding="utf-8"), re.S | re.M)


@pytest.mark.parametrize("rel", sorted(INCLUDED))
def test_readme_includes_the_quickstart_file_verbatim(rel: str) -> None:
    text = (QUICKSTART / rel).read_text(encoding="utf-8")
    assert text in _blocks(INCLUDED[rel]), (
        f"README.md must show examples/quickstart/{rel} verbatim in a ```{INCLUDED[rel]} block: "
        "edit the file and paste it into the README (or the reverse)"
    )


def test_python_quickstart_runs_as_its_own_files(tmp_path: Path) -> None:
    """app.py and test_app.py, copied out of the repository, pass under pytest (imports included)."""
    work = tmp_path / "quickstart"
    shutil.copytree(QUICKSTART / "python", work, ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_quickstarts_register_connect_disconnect_and_default() -> None:
    for rel in ("python/app.py", "go/main.go", "ts/handler.ts"):
        text = (QUICKSTART / rel).read_text(encoding="utf-8")
        for route in ("$connect", "$disconnect", "$default"):
            assert f'"{route}"' in text, f"{rel} does not register {route}"
