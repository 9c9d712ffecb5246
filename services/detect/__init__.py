"""The detect stage: events -> escalation signals, re-keyed for the alert service's state."""
