"""warwire's common library: message schemas, topic contracts, settings, Kafka helpers, metrics."""
