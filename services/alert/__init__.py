"""Alert: events.strike / events.statement -> escalation detectors -> alerts (webhooks are delivered by services/deliver)."""
