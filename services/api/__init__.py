"""API: materialises events.* and alerts from Kafka into a store and serves them over HTTP."""
