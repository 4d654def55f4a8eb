"""Notification channels: robot webhooks and e-mail (docs/architecture.md §channels)."""
