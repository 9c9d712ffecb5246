"""Alert: events.strike / events.statement -> escalation detectors -> alerts (+ webhooks)."""
