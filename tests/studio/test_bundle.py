"""The studio's first load stays small: the JavaScript that `/` fetches before anything shows (index.html's
scripts and module preloads), gzipped, is at most 250 KB (issue 9). Pages loaded later (dynamic imports) do not
count."""

from __future__ import annotations

import gzip
from html.parser import HTMLParser
from pathlib import Path

from kiln.api.studio import bundled_dist

LIMIT_BYTES = 250_000


class _FirstLoad(HTMLParser):
    """The same-origin JavaScript an HTML page loads at once."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.scripts.append(str(values["src"]))
        elif tag == "link" and values.get("rel") == "modulepreload" and values.get("href"):
            self.scripts.append(str(values["href"]))


def first_load_scripts(dist: Path) -> list[Path]:
    parser = _FirstLoad()
    parser.feed((dist / "index.html").read_text())
    return [dist / src.lstrip("/") for src in parser.scripts]


def test_the_first_load_is_at_most_250_kb_of_gzipped_javascript() -> None:
    dist = bundled_dist()
    assert (dist / "index.html").is_file(), "kiln/studio/dist is not built: cd web && npm ci && npm run build"
    scripts = first_load_scripts(dist)
    assert scripts, "index.html loads no script"
    sizes = {path.name: len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in scripts}
    total = sum(sizes.values())
    assert total <= LIMIT_BYTES, f"first load: {total:,} gzipped bytes of JavaScript, over {LIMIT_BYTES:,}: {sizes}"


def test_the_limit_counts_module_preloads_too(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(
        '<script type="module" crossorigin src="/assets/a.js"></script>'
        '<link rel="modulepreload" crossorigin href="/assets/b.js"><link rel="stylesheet" href="/assets/c.css">'
    )
    assert [path.name for path in first_load_scripts(tmp_path)] == ["a.js", "b.js"]
