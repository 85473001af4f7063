"""Hromada core: the app factory, settings, models, use cases, the outbox and the CLI."""
