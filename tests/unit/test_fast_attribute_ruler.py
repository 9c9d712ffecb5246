"""The looked-up attribute ruler (services/extract/fast_attribute_ruler.py) annotates real text exactly as
spaCy's own does, and it is the one the extractor's pipeline runs."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from services.extract.fast_attribute_ruler import FACTORY, FastAttributeRuler
from services.extract.nlp import EXCLUDE, MODEL, load_nlp
from services.extract.text import split_sentences

DATA = Path(__file__).resolve().parent.parent / "data"


def _texts(seeds: list[Path]) -> list[str]:
    bodies = [p.read_text() for p in seeds]
    for name in ("realdev/strikes.jsonl", "realdev/statements.jsonl", "devset.jsonl"):
        for line in (DATA / name).read_text().splitlines():
            if line.strip():
                doc = json.loads(line)
                bodies.append(doc.get("text") or doc.get("body") or "")
    sentences = [s.text for body in bodies for s in split_sentences(body)]
    # Wire copy in capitals and lower-case text exercise other tags and the lower-form rules.
    return sentences + [s.upper() for s in sentences[:200]] + [s.lower() for s in sentences[:200]]


def _annotations(doc: Any) -> list[tuple[str, ...]]:
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_) for t in doc]


@pytest.fixture(scope="module")
def stock() -> Any:
    return importlib.import_module(MODEL).load(exclude=list(EXCLUDE))


def test_the_pipeline_runs_the_lookup_in_place_of_the_stock_ruler() -> None:
    names = load_nlp().pipe_names
    assert FACTORY in names and "attribute_ruler" not in names
    assert names.index(FACTORY) < names.index("lemmatizer")  # the lemmatizer reads the POS it sets
    assert isinstance(load_nlp().get_pipe(FACTORY), FastAttributeRuler)


def test_every_token_is_annotated_as_by_the_stock_ruler(stock: Any, seeds: list[Path]) -> None:
    texts = _texts(seeds)
    assert len(texts) > 1000
    differ = [
        (text, a, b)
        for text, d1, d2 in zip(texts, stock.pipe(texts), load_nlp().pipe(texts), strict=True)
        for a, b in zip(_annotations(d1), _annotations(d2), strict=True)
        if a != b
    ]
    assert not differ, differ[:5]
