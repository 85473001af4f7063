"""Secrets: argon2 password hashes and SHA-256 digests of random bearer tokens and API keys."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError, UnicodeEncodeError):  # a lone surrogate is no password
        return False


def typable(text: str) -> bool:
    """Whether the text could have been typed: no control characters (NUL and the like, which PostgreSQL's text
    refuses) and no lone surrogates (which UTF-8 cannot carry)."""
    return not any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


def new_token(prefix: str = "") -> str:
    """A random bearer token (256 bits), optionally prefixed to tell kinds apart."""
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """SHA-256 of a high-entropy token: what the database stores instead of it."""
    return hashlib.sha256(token.encode()).hexdigest()
