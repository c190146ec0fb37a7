"""Secrets at rest: field encryption, blind indexes and keyed digests.

- ID numbers, USCCs and private signing keys are encrypted with AES-256-GCM (rule D5). The
  stored form is ``<key id>:<base64(nonce | ciphertext)>`` so the keyring can rotate: new
  values use the current key, old ones stay readable while their key is in the keyring.
- A blind index (HMAC-SHA-256 under its own key) finds an encrypted value by equality without
  decrypting anything (rule D5, uniqueness D3).
- Client secrets are random and high-entropy, so a keyed fast digest (HMAC-SHA-256) is the
  right store for them; a password hash would cap the token endpoint at a few dozen requests/s.
- Tokens and codes are stored as plain SHA-256: they are random 256-bit values.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class DecryptionError(Exception):
    pass


class FieldCipher:
    def __init__(self, keys: dict[str, str], current: str):
        self._keys = {kid: base64.b64decode(v) for kid, v in keys.items()}
        for kid, key in self._keys.items():
            if len(key) != 32:
                raise ValueError(f"encryption key {kid!r} must be 32 bytes (base64)")
        self.current = current
        self._aead = {kid: AESGCM(key) for kid, key in self._keys.items()}  # reusable, stateless

    def encrypt(self, plaintext: str, context: str = "") -> str:
        nonce = os.urandom(12)
        ct = self._aead[self.current].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.current}:{base64.b64encode(nonce + ct).decode()}"

    def decrypt(self, stored: str, context: str = "") -> str:
        kid, _, blob = stored.partition(":")
        key = self._keys.get(kid)
        if key is None:
            raise DecryptionError(f"no key {kid!r} in the keyring")
        raw = base64.b64decode(blob)
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode()
        except Exception as exc:  # cryptography raises InvalidTag
            raise DecryptionError("ciphertext does not verify") from exc

    def holds(self, kid: str) -> bool:
        """The keyring has a key named ``kid`` (whether it is the right one, only a decrypt
        can tell)."""
        return kid in self._keys

    def needs_reencrypt(self, stored: str) -> bool:
        return not stored.startswith(self.current + ":")


def keyed_digest(key: str, value: str, purpose: str) -> str:
    """HMAC-SHA-256 of ``value``, domain-separated by ``purpose``; hex."""
    mac = _keyed_start(key, purpose).copy()  # the key schedule once, not per value (bulk import)
    mac.update(value.encode())
    return mac.hexdigest()


@functools.lru_cache(maxsize=32)
def _keyed_start(key: str, purpose: str) -> hmac.HMAC:
    return hmac.new(key.encode(), purpose.encode() + b"\x00", hashlib.sha256)


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
