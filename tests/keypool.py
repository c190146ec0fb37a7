"""Signing keys made once per test session and handed to every test's app.

Every token test needs a current and a next key for each algorithm (``keys.ensure_keys``), and
an RSA-2048 key pair costs tens of milliseconds to generate: a large share of a token test.
``KeyPool`` remembers the first two keys it generates for each algorithm, and ``PrimedJwk``
stands in for ``joserfc.jwk`` inside ``idp.protocol.keys`` for one test: its first two
``generate_key`` calls per algorithm return those remembered keys, later calls (a rotation's new
``next`` key, a key replacing a deleted one) generate real new ones. ``ensure_keys``, ``rotate``
and everything else in ``idp/protocol/keys.py`` run unchanged; only where the first key pairs'
randomness comes from differs, and each test starts with an empty key table anyway.

Loading an RSA private key from PEM checks the key pair and costs about as much as a token
request; every test's app loads the same pooled keys, so ``import_key`` of a PEM text remembers
the key it loaded for that exact text and those exact parameters (keys loaded from a JWK dict,
the public halves, are cheap and always imported afresh).
"""

from __future__ import annotations

from collections import Counter

from joserfc import jwk

PER_ALG = 2  # a current and a next key (publish-before-sign)


class KeyPool:
    """The first ``PER_ALG`` keys per (key type, size, alg), generated on first demand."""

    def __init__(self):
        self._keys: dict[tuple, list[jwk.Key]] = {}
        self.generated = 0  # real generations, for the pool's own tests
        self._imported: dict[tuple, jwk.Key] = {}
        self.imported = 0  # real PEM imports, for the pool's own tests

    def key(self, spec: tuple, index: int, make) -> jwk.Key:
        made = self._keys.setdefault(spec, [])
        while len(made) <= index:
            made.append(make())
            self.generated += 1
        return made[index]

    def imported_key(self, data: str | bytes, key_type, parameters) -> jwk.Key:
        memo = (data, key_type, tuple(sorted((parameters or {}).items())))
        if memo not in self._imported:
            self._imported[memo] = jwk.import_key(data, key_type, parameters=parameters)
            self.imported += 1
        return self._imported[memo]


class PrimedJwk:
    """``joserfc.jwk`` for one test, whose first key pairs come from ``pool``."""

    def __init__(self, pool: KeyPool):
        self._pool = pool
        self._served: Counter = Counter()

    def __getattr__(self, name):
        return getattr(jwk, name)

    @property
    def JWKRegistry(self):  # noqa: N802 - joserfc's name; idp.protocol.keys calls through it
        return _PrimedRegistry(self)

    def import_key(self, data, key_type=None, parameters=None, **kw):
        if isinstance(data, (str, bytes)) and not kw:
            return self._pool.imported_key(data, key_type, parameters)
        return jwk.import_key(data, key_type, parameters=parameters, **kw)

    def generate_key(self, key_type, crv_or_size=None, parameters=None, **kw):
        def make():
            return jwk.generate_key(key_type, crv_or_size, parameters=parameters, **kw)

        spec = (key_type, crv_or_size, (parameters or {}).get("alg"))
        index = self._served[spec]
        self._served[spec] += 1
        if index >= PER_ALG or kw:
            self._pool.generated += 1
            return make()
        return self._pool.key(spec, index, make)


class _PrimedRegistry:
    """``joserfc.jwk.JWKRegistry`` whose key generation and PEM loading go through the pool."""

    def __init__(self, primed: PrimedJwk):
        self._primed = primed

    def __getattr__(self, name):
        return getattr(jwk.JWKRegistry, name)

    def generate_key(self, key_type, crv_or_size=None, parameters=None, **kw):
        return self._primed.generate_key(key_type, crv_or_size, parameters=parameters, **kw)

    def import_key(self, data, key_type=None, parameters=None, **kw):
        return self._primed.import_key(data, key_type, parameters=parameters, **kw)
