"""The merge service: folds the extract stage's candidates into events, across sources (Faust tables)."""
