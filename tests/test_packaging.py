"""The distribution as a newcomer installs it: the built wheel in a fresh venv, base install and extras.

Builds the wheel (`pip wheel --no-deps`), installs it into a new venv outside the repository, checks
that the base install runs `apptheory --help` and names the missing extra for `generate` and `dev` in
one line, that a send without boto3 is a ConfigurationError naming `apptheory[aws]`, then installs the
`aws` and `local` extras (pinned by constraints.txt) and runs the README's Python quickstart files
(examples/quickstart/python) with pytest from a temporary directory. pip's cache keeps reruns fast.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "quickstart" / "python"

NO_BOTO3_SEND = """
import logging
from apptheory import App, ConfigurationError
from apptheory.testkit import websocket_event
from apptheory.streamer import new_client
try:
    new_client("https://abc123.execute-api.us-east-1.amazonaws.com/dev")
except ConfigurationError as err:
    print("new_client:", err)
app = App(websocket_support=True)
app.websocket("$default", lambda ctx: ctx.as_websocket().send_message("hi"))
logging.basicConfig(level=logging.ERROR, format="%(message)s")
print("status:", app.handle(websocket_event("$default", connection_id="c1"))["statusCode"])
"""


def sh(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(venv bin directory, the wheel): the wheel built from this checkout, installed with no extras."""
    base = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    sh([*pip, "wheel", "--no-deps", "--quiet", "-w", str(base / "dist"), str(ROOT)], cwd=base)
    (wheel,) = (base / "dist").glob("apptheory-*.whl")
    sh([sys.executable, "-m", "venv", str(base / "venv")], cwd=base)
    bin_dir = base / "venv" / "bin"
    sh(
        [str(bin_dir / "python"), "-m", "pip", "install", "--disable-pip-version-check", "--quiet", str(wheel)],
        cwd=base,
    )
    return bin_dir, wheel


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["AWS_REGION"] = "us-east-1"
    return env


def test_base_install_runs_the_cli_and_names_missing_extras(venv: tuple[Path, Path], tmp_path: Path) -> None:
    bin_dir, _ = venv
    env = clean_env()
    help_text = sh([str(bin_dir / "apptheory"), "--help"], cwd=tmp_path, env=env)
    assert "generate" in help_text
    assert "dev" in help_text
    sh([str(bin_dir / "python"), "-m", "apptheory", "--help"], cwd=tmp_path, env=env)
    for command, extra in (("generate", "codegen"), ("check", "codegen"), ("dev", "local")):
        result = subprocess.run(
            [str(bin_dir / "apptheory"), command, "app.py:app"][: 3 if command == "dev" else 2],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert result.stderr == f'apptheory {command} needs the {extra} extra: pip install "apptheory[{extra}]"\n'


def test_a_send_without_boto3_is_a_configuration_error(venv: tuple[Path, Path], tmp_path: Path) -> None:
    bin_dir, _ = venv
    probe = subprocess.run(
        [str(bin_dir / "python"), "-c", "import boto3"], capture_output=True, text=True, env=clean_env()
    )
    if probe.returncode == 0:
        pytest.skip("boto3 already installed in the fresh venv (test order)")
    out = sh([str(bin_dir / "python"), "-c", NO_BOTO3_SEND], cwd=tmp_path, env=clean_env())
    assert "new_client: boto3 is not installed" in out
    assert 'pip install "apptheory[aws]"' in out
    assert "status: 500" in out
    assert '"error_type": "ConfigurationError"' in out
    assert "apptheory[aws]" in out.split("status:")[1]  # the log line names the extra too


def test_quickstart_files_pass_from_a_directory_outside_the_repository(venv: tuple[Path, Path], tmp_path: Path) -> None:
    bin_dir, wheel = venv
    sh(
        [
            str(bin_dir / "python"),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            "-c",
            str(ROOT / "constraints.txt"),
            f"{wheel}[aws,local]",
            "pytest",
        ],
        cwd=tmp_path,
    )
    work = tmp_path / "quickstart"
    shutil.copytree(QUICKSTART, work, ignore=shutil.ignore_patterns("__pycache__"))
    out = sh([str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=work, env=clean_env())
    assert "passed" in out
    assert "failed" not in out
