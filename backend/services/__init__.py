"""Use cases: each is one transaction and commits at its end."""
