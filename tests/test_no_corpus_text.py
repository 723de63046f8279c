"""No text of the shared corpus is copied into the repo: no run of eight words of its titles or abstracts appears in
a test, a module, a document or the bundled sample (texts written for this project paraphrase what they test)."""

from __future__ import annotations

import ast
import io
import json
import re
import subprocess
import tokenize
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT

RUN = 8
QUOTES = "\"'“”‘’`"
# bibliographic metadata, not abstract text: a journal's and a collective author's names in the parser's tests
ALLOWED = {
    "proceedings of the national academy of sciences of the",
    "of the national academy of sciences of the united",
    "the national academy of sciences of the united states",
    "national academy of sciences of the united states of",
    "academy of sciences of the united states of america",
    "guideline development panel for the treatment of depressive",
    "development panel for the treatment of depressive disorders",
}
# the parts of an efetch record that are its text (the rest is metadata: journal, MeSH, publication types)
XML_TEXT = re.compile(r"<(ArticleTitle|AbstractText|BookTitle|VernacularTitle)\b[^>]*>(.*?)</\1>", re.S)
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".cfg", ".txt", ".json", ".jsonl", ".html", ".js", ".css", ".xml"}


def runs(text: str) -> list[str]:
    words = [w.strip(QUOTES) for w in re.sub(r"<[^>]+>", " ", text).lower().split()]
    return [" ".join(words[i:i + RUN]) for i in range(len(words) - RUN + 1)]


def corpus_runs() -> set[int]:
    seen: set[int] = set()
    for path in CORPUS.rglob("*.jsonl"):
        for line in path.open(encoding="utf-8"):
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict):
                text = " ".join(str(rec.get(k) or "") for k in ("title", "abstract", "text"))
                seen.update(hash(r) for r in runs(text))
    for path in (CORPUS / "pubmed-xml").rglob("*.xml"):
        for m in XML_TEXT.finditer(path.read_text(encoding="utf-8", errors="replace")):
            seen.update(hash(r) for r in runs(m.group(2)))
    for path in (CORPUS / "bc5cdr").glob("*.txt"):
        for line in path.open(encoding="utf-8", errors="replace"):
            parts = line.split("|", 2)
            if len(parts) == 3 and parts[1] in ("t", "a"):
                seen.update(hash(r) for r in runs(parts[2]))
    return seen


def texts_of(path: Path) -> list[tuple[int, str]]:
    """(line, text) pieces of a file that could hold copied prose: a module's strings and comments, an XML record's
    title and abstract, any other file's lines."""
    source = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".py":
        pieces = [(n.lineno, n.value) for n in ast.walk(ast.parse(source))
                  if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        comments = [(t.start[0], t.string) for t in tokenize.generate_tokens(io.StringIO(source).readline)
                    if t.type == tokenize.COMMENT]
        # consecutive comment lines are one text
        block: list[tuple[int, str]] = []
        for line, text in comments:
            if block and line == block[-1][0] + 1:
                block.append((line, text))
                continue
            if block:
                pieces.append((block[0][0], " ".join(t for _, t in block)))
            block = [(line, text)]
        if block:
            pieces.append((block[0][0], " ".join(t for _, t in block)))
        return pieces
    if path.suffix == ".xml":
        return [(source.count("\n", 0, m.start()) + 1, m.group(2)) for m in XML_TEXT.finditer(source)]
    return [(1, source)]


@pytest.mark.skipif(not (CORPUS / "pubmed-2025").exists(), reason="shared corpus not available")
def test_no_eight_word_run_of_a_corpus_text_is_in_the_repo():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not files:
        pytest.skip("not a git checkout")
    seen = corpus_runs()
    assert len(seen) > 500_000  # the corpus was read, so a clean result means something
    found = []
    for name in files:
        path = ROOT / name
        if path.suffix not in SUFFIXES or not path.is_file():
            continue
        for line, text in texts_of(path):
            copied = [r for r in runs(text) if hash(r) in seen and r not in ALLOWED]
            if copied:
                found.append(f"{name}:{line}: {copied[0]!r}")
    assert not found, "text copied from the shared corpus:\n" + "\n".join(found)


def test_a_copied_run_is_found():
    """The check itself: a run shared with a text is caught whatever the case, spacing and quotes."""
    text = "Ketamine given as one infusion relieved depressive symptoms within a day in most patients."
    seen = {hash(r) for r in runs(text)}
    pasted = 'x = "given as ONE infusion relieved depressive symptoms within a  day"'
    assert any(hash(r) in seen for r in runs(pasted))
    assert not any(hash(r) in seen for r in runs("A single infusion eased depression by the next day."))


@pytest.mark.skipif(not (CORPUS / "HOLDOUT_IDS.txt").exists(), reason="shared corpus not available")
def test_no_held_out_document_is_named_in_the_repo():
    """Held-out documents are measured independently: no test, module, document or gold file names one (an example
    id copied from an audit of real output once did)."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not files:
        pytest.skip("not a git checkout")
    held = set((CORPUS / "HOLDOUT_IDS.txt").read_text().split())
    assert len(held) > 100
    ids = re.compile(r"(?<![\w:])(?:pmid|psynamic):\d+(?!\d)")
    found = [f"{name}: {m.group()}" for name in files
             if (ROOT / name).suffix in SUFFIXES and (ROOT / name).is_file()
             for m in ids.finditer((ROOT / name).read_text(encoding="utf-8", errors="replace"))
             if m.group() in held]
    assert not found, "held-out documents named:\n" + "\n".join(found)
