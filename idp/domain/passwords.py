"""Password hashing behind one module (argon2id through passlib's CryptContext).

Keeping every hash and verify here lets the backend change (say, to libsodium) without touching
callers. ``verify_or_dummy`` spends the same time when the account does not exist, so timing does
not reveal which identifiers are registered.
"""
from __future__ import annotations

from passlib.context import CryptContext

_context: CryptContext | None = None
_dummy_hash: str | None = None


def configure(time_cost: int, memory_cost: int, parallelism: int) -> None:
    global _context, _dummy_hash
    _context = CryptContext(
        schemes=["argon2"], argon2__type="ID", argon2__rounds=time_cost,
        argon2__memory_cost=memory_cost, argon2__parallelism=parallelism)
    _dummy_hash = _context.hash("dummy-password-for-timing")


def _ctx() -> CryptContext:
    if _context is None:
        configure(2, 19456, 1)
    return _context


def hash_password(password: str) -> str:
    return _ctx().hash(password)


def verify(password: str, stored: str | None) -> bool:
    """True when ``password`` matches ``stored``; an unknown account still costs one verify."""
    ctx = _ctx()
    if not stored:
        ctx.verify(password, _dummy_hash)
        return False
    try:
        return ctx.verify(password, stored)
    except (ValueError, TypeError):
        return False


def needs_rehash(stored: str) -> bool:
    return _ctx().needs_update(stored)
