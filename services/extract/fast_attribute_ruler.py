"""spaCy's attribute ruler applied by lookup instead of by its Matcher: the same rules, the same result.

The small English model's ``attribute_ruler`` maps tags to POS and morphology and fixes a few lemmas
with 179 rules. spaCy runs every rule through its Matcher at every token: 2.3 ms of the model's 14 ms
on a short article (bench/attribute_ruler_bench.py). Nearly all of its rules test one token for
equality or membership of its tag, lower form, dependency or whitespace, so they can be looked up by
the token's values. The few others (several tokens, a regex) still go through a Matcher of their own.

Matches are applied exactly as ``AttributeRuler.set_annotations`` applies them: all are found first,
then set in rule order, so a later rule wins, with spaCy's own setter. ``tests/unit/test_fast_attribute_ruler.py``
compares every token's tag, POS, morphology, lemma and dependency with the stock ruler's on real text,
so a spaCy upgrade that changes either side fails it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs  # what AttributeRuler itself sets attributes with

FACTORY = "warwire_fast_attribute_ruler"

# The token attributes a looked-up rule may test, and how to read each off a token.
_READ = {
    "TAG": lambda t: t.tag_,
    "LOWER": lambda t: t.lower_,
    "DEP": lambda t: t.dep_,
    "IS_SPACE": lambda t: t.is_space,
}


@dataclass(frozen=True)
class _Rule:
    """One token spec of a rule: attribute -> (allowed values, negated)."""

    rule_id: int
    index: int
    tests: tuple[tuple[str, frozenset[Any], bool], ...]

    def matches(self, token: Any) -> bool:
        return all((_READ[attr](token) in values) != negated for attr, values, negated in self.tests)


def _tests(spec: dict[str, Any]) -> tuple[tuple[str, frozenset[Any], bool], ...] | None:
    """The spec as equality/membership tests, or None if it needs the Matcher."""
    out = []
    for attr, value in spec.items():
        if attr not in _READ:
            return None
        if isinstance(value, str | bool):
            out.append((attr, frozenset([value]), False))
        elif isinstance(value, dict) and len(value) == 1 and next(iter(value)) in {"IN", "NOT_IN"}:
            op, values = next(iter(value.items()))
            out.append((attr, frozenset(values), op == "NOT_IN"))
        else:
            return None
    return tuple(out)


class FastAttributeRuler:
    """Applies the rules of ``ruler`` (a spaCy AttributeRuler), looked up by the token's values."""

    def __init__(self, ruler: Any) -> None:
        self.ruler = ruler
        self.index: dict[str, dict[Any, list[_Rule]]] = {attr: defaultdict(list) for attr in _READ}
        self.general: list[_Rule] = []
        self.matcher = Matcher(ruler.vocab, validate=False)
        for rule_id, pattern in enumerate(ruler.patterns):
            alternatives = pattern["patterns"]
            looked_up = [_tests(alt[0]) if len(alt) == 1 else None for alt in alternatives]
            if any(t is None for t in looked_up):
                self.matcher.add(str(rule_id), alternatives)
                continue
            for tests in looked_up:
                assert tests is not None
                self._index(_Rule(rule_id, pattern["index"], tests))

    def _index(self, rule: _Rule) -> None:
        """File the rule under the values of its first positive test of a lower form, tag, dependency or
        whitespace: a token is checked only against the rules filed under its own values."""
        tests = {attr: (values, negated) for attr, values, negated in rule.tests}
        for attr in ("LOWER", "TAG", "DEP", "IS_SPACE"):
            if attr in tests and not tests[attr][1]:
                for value in tests[attr][0]:
                    self.index[attr][value].append(rule)
                return
        self.general.append(rule)

    def __call__(self, doc: Doc) -> Doc:
        if not (doc.has_annotation("TAG") and doc.has_annotation("DEP")):
            return self.ruler(doc)  # the lookup assumes a tagged and parsed doc, as the model's is
        found: set[tuple[int, int, int, int]] = set()  # (rule id, start, end, index)
        lower, tag, dep, space = (self.index[a] for a in ("LOWER", "TAG", "DEP", "IS_SPACE"))
        for token in doc:
            rules = (
                *lower.get(token.lower_, ()), *tag.get(token.tag_, ()), *dep.get(token.dep_, ()),
                *space.get(token.is_space, ()), *self.general,
            )  # fmt: skip
            for rule in rules:
                if rule.matches(token):
                    found.add((rule.rule_id, token.i, token.i + 1, rule.index))
        for match_id, start, end in self.matcher(doc, allow_missing=True, as_spans=False):
            rule_id = int(self.ruler.vocab.strings[match_id])
            found.add((rule_id, start, end, self.ruler.indices[rule_id]))
        for rule_id, start, end, index in sorted(found):  # rule order: a later rule wins
            token = doc[start] if end - start == 1 and index in (0, -1) else doc[start:end][index]
            set_token_attrs(token, self.ruler.attrs[rule_id])
        return doc


@Language.factory(FACTORY)
def _make(nlp: Language, name: str) -> FastAttributeRuler:
    return FastAttributeRuler(nlp.get_pipe("attribute_ruler"))


def use_fast_attribute_ruler(nlp: Language) -> Language:
    """Swap the pipeline's attribute_ruler for the lookup (a pipeline without one is left as it is)."""
    if "attribute_ruler" in nlp.pipe_names:
        nlp.add_pipe(FACTORY, after="attribute_ruler")
        nlp.remove_pipe("attribute_ruler")
    return nlp
