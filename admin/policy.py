"""The access policy at the HTTP edge: a view decorator per entry of the one policy table
(`backend.staff.POLICY`, which the use cases read too). Every admin route carries one (a test fails for a route
without an entry)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from backend.staff import KEY_ROLE, KEY_SCOPES, POLICY, key_allows

__all__ = ["KEY_ROLE", "KEY_SCOPES", "POLICY", "guarded", "key_allows"]

Gate = Callable[[frozenset[str] | None], Any]


def guarded(endpoint: str, gate: Gate) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator for the policy entry of `endpoint` (a missing entry fails at import). `gate` gets the
    entry's roles before the view runs and returns None to let it run, or the response to give instead (or
    aborts). The view is tagged with the entry, which the policy tests read."""
    if endpoint not in POLICY:
        raise KeyError(f"no policy entry for {endpoint}")

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            refused = gate(POLICY[endpoint])
            return refused if refused is not None else fn(*args, **kwargs)

        wrapper.policy_endpoint = endpoint  # type: ignore[attr-defined]
        return wrapper

    return decorate
