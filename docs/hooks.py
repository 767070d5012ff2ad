"""MkDocs hooks: pages made from the repository's own Markdown files, with their links fixed.

The home page is README.md, the benchmarks page BENCHMARKS.md and the datasets page
the datasets' READMEs, so the site and the repository never say different things.
Their links to repository files are rewritten to the site's pages.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "index.md": ("README.md",),
    "benchmarks.md": ("BENCHMARKS.md",),
    "datasets.md": ("datasets/apac/README.md", "datasets/measured/README.md"),
}
TARGETS = {
    "BENCHMARKS.md": "benchmarks.md",
    "datasets/apac/README.md": "datasets.md",
    "datasets/measured/README.md": "datasets.md",
}
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def _link(match: re.Match[str]) -> str:
    target, anchor = match.group(1), match.group(2) or ""
    if "://" in target:
        return match.group(0)
    page = TARGETS.get(target, target.removeprefix("docs/"))
    return f"]({page}{anchor})"


def _demote(text: str) -> str:
    """Headings one level down, for a file that is a section of a page."""
    return re.sub(r"^(#+) ", r"#\1 ", text, flags=re.MULTILINE)


def on_files(files: Files, config) -> Files:
    for page, sources in PAGES.items():
        texts = [(ROOT / source).read_text(encoding="utf-8") for source in sources]
        if len(texts) > 1:
            texts = ["# Datasets", *(_demote(text) for text in texts)]
        content = LINK.sub(_link, "\n\n".join(texts))
        files.append(File.generated(config, page, content=content))
    return files
