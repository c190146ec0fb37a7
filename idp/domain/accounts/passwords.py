"""Password hashing behind one module (argon2id through passlib's CryptContext).

Keeping every hash and verify here lets the backend change (say, to libsodium) without touching
callers. Every ``verify`` costs one argon2id verification, whatever is stored: a missing account
or an unusable stored value verifies against a dummy argon2id hash, made once per process with
the same parameters as real hashes, so timing does not reveal which identifiers are registered
("Login time" in docs/accounts.md). ``burn`` pays that cost for callers that verify something
else (the fast legacy hashes, docs/legacy.md).
"""

from __future__ import annotations

from passlib.context import CryptContext

_context: CryptContext | None = None
_dummy_hash: str | None = None
_parameters: tuple[int, int, int] | None = None


def configure(time_cost: int, memory_cost: int, parallelism: int) -> None:
    global _context, _dummy_hash, _parameters
    if _parameters == (time_cost, memory_cost, parallelism):
        return  # the dummy hash is made once per process (per set of parameters)
    _context = CryptContext(
        schemes=["argon2"],
        argon2__type="ID",
        argon2__rounds=time_cost,
        argon2__memory_cost=memory_cost,
        argon2__parallelism=parallelism,
    )
    _dummy_hash = _context.hash("dummy-password-for-timing")
    _parameters = (time_cost, memory_cost, parallelism)


def _ctx() -> CryptContext:
    if _context is None:
        configure(2, 19456, 1)
    return _context


def hash_password(password: str) -> str:
    return str(_ctx().hash(password))


def burn(password: str) -> None:
    """One argon2id verification against the dummy hash, its answer ignored."""
    _ctx().verify(password or "", _dummy_hash)


def verify(password: str, stored: str | None) -> bool:
    """True when ``password`` matches ``stored``; exactly one argon2id verification either way
    (an unknown account, or a stored value that is no argon2id hash, verifies the dummy)."""
    ctx = _ctx()
    if not stored or not ctx.identify(stored):
        burn(password)
        return False
    try:
        return bool(ctx.verify(password, stored))
    except (ValueError, TypeError):  # a malformed argon2 string fails before any work
        burn(password)
        return False


def needs_rehash(stored: str) -> bool:
    return bool(_ctx().needs_update(stored))
