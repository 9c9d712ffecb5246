"""The sentence count extract checks before spaCy: an upper bound that ignores abbreviations' dots
inside words but counts every sentence end."""

from services.extract.stage import count_sentence_ends


def test_counts_sentence_ends() -> None:
    assert count_sentence_ends("Word. " * 10_000) == 10_000
    assert count_sentence_ends("Missiles hit Kharkiv. Officials said so! Was it? Yes.") == 4
    assert count_sentence_ends("The U.S.-led coalition struck at 3.5 km") == 0
