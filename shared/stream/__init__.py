"""Stateless stream stages as plain Kafka consumers (poll -> process -> produce and ack -> commit)."""
