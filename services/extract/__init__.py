"""Extract: articles.raw -> events.strike / events.statement.

``services.extract.extractor`` is a pure-Python library (no Kafka); ``services.extract.app`` wires
it into a Faust agent.
"""
