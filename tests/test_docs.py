"""docs/: the generated IDL reference is current and complete, and every relative link resolves."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from apptheory_codegen import cli, docs

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.MULTILINE)


def relative_links(text: str) -> list[str]:
    """Link targets of a Markdown page that point into the repository (code blocks and spans ignored)."""
    prose = CODE_SPAN.sub("", FENCE.sub("", text))
    targets = LINK.findall(prose) + REFERENCE.findall(prose)
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:|^#", t, re.IGNORECASE)]


def test_idl_reference_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["docs", "--check", "--root", str(ROOT)]) == 0, capsys.readouterr().err


def test_stale_idl_reference_fails_the_check_until_regenerated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "idl", tmp_path / "idl")
    page = tmp_path / docs.DOC_RELATIVE
    page.parent.mkdir()
    page.write_text(docs.render().replace("Version of the IDL format.", "Version of the format."), encoding="utf-8")
    assert cli.main(["docs", "--check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "changed: docs/idl-reference.md" in err
    assert "+Version of the IDL format." in err
    assert cli.main(["docs", "--root", str(tmp_path)]) == 0
    assert cli.main(["docs", "--check", "--root", str(tmp_path)]) == 0
    page.unlink()
    assert cli.main(["docs", "--check", "--root", str(tmp_path)]) == 1
    assert "missing: docs/idl-reference.md" in capsys.readouterr().err


def test_every_idl_key_has_a_description() -> None:
    assert docs.missing_descriptions() == [], "add a description (schema.py's _d) to each of these keys"


def test_every_idl_section_and_key_is_in_the_reference() -> None:
    page = docs.render()
    for key in docs.idl_keys():
        marker = f"## `{key.path}`" if "." not in key.path and "[]" not in key.path else f"| `{key.path}` |"
        assert marker in page, key.path
    assert "context.fields[].from" in page
    assert "one of `string`, `int`, `bool`" in page


def test_link_finder_sees_links_and_skips_code_and_urls() -> None:
    text = (
        "See [a](runtime.md#x), ![i](img/a.png) and [b](<../README.md>).\n"
        "[ref]: testing.md\n"
        "`[no](in-code.md)` [web](https://example.com) [top](#anchor)\n"
        "```\n[no](in-fence.md)\n```\n"
    )
    assert relative_links(text) == ["runtime.md#x", "img/a.png", "../README.md", "testing.md"]


def anchors(text: str) -> set[str]:
    """GitHub's heading anchors of a Markdown page: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", FENCE.sub("", text), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_anchors_follow_github() -> None:
    assert anchors("# Errors and the envelope\n## `ws.json()` rules\n") == {"errors-and-the-envelope", "wsjson-rules"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in relative_links(page.read_text(encoding="utf-8")):
        path, _, fragment = target.partition("#")
        file = page.parent / path if path else page
        missing_heading = bool(fragment) and file.suffix == ".md" and file.is_file()
        if not file.exists() or (missing_heading and fragment not in anchors(file.read_text(encoding="utf-8"))):
            broken.append(target)
    assert broken == [], f"{page.relative_to(ROOT)}: links to files or headings that do not exist"
