"""Deliver: alerts + webhooks.subscriptions -> signed webhook deliveries, logged on webhooks.deliveries."""
