"""The purposes of blind indexes and keyed digests (D5), spelt once.

Every blind index is HMAC-SHA-256 of the value under the blind-index key, domain-separated by
its purpose (``crypto.keyed_digest``), so an ID number's index can never be matched against a
mobile's; the encrypted column beside it uses the same string as its AES-GCM associated data
(``crypto.FieldCipher``), so a ciphertext cannot be passed off as another kind of value. The
purpose is part of every stored index: changing one of these strings orphans every row indexed
under it, so never without a migration that re-indexes (migrations keep their own copy of the
strings they used, as history). ``tests/test_vocab.py`` fails on another spelling.
"""

from __future__ import annotations

# stored blind indexes (columns ``*_bidx``)
ID_NUMBER = "id-number"  # identity document numbers (D1): users, legacy accounts, registers
USCC = "uscc"  # unified social credit codes (D2): organisations, legacy, registers
ORG_CODE = "org-code"  # the 9-character organisation code inside a USCC (D2 login)
MOBILE = "mobile"  # mobiles (D3), normalised by documents.validate_mobile
EMAIL = "email"  # e-mail addresses, normalised by emails.normalise_email
LEGACY_ROW = "legacy-row"  # the digest of an imported legacy row (L1, re-run skipping)

# keyed digests that are never stored in a table (store keys, tickets, secrets)
THROTTLE = "throttle"  # login and lookup counters' keys
REGISTER_VERIFIED = "register-verified"  # a destination proven during registration
HANDLER_BINDING_LIMIT = "handler-binding-limit"  # P3: naming a registered handler
CLIENT_SECRET = "client-secret"  # client secrets (R1), under their own pepper
VERIFICATION_BINDING = "verification-binding"  # S7: what a one-time code was sent for
VERIFICATION_CODE = "verification-code"  # S7: the code itself
CAPTCHA = "captcha"  # the login captcha's answer
KEY_CHECK = "key-check"  # the check values of the key material (keycheck), never a real value
ADMIN_TOTP = "admin-totp"  # the encrypted TOTP secret of an admin account (issue 12)
# the key that seals a new client secret while it waits for the one page showing it (R1)
ADMIN_SECRET_HANDOVER = "admin-secret-handover"

# keyed derivations of issued tokens from what was presented for them (issue 11, RFC 9700
# §4.14.2): a retry of the same code exchange or refresh gets the same token values back
CODE_ACCESS = "code-access"  # the access token of a code's exchange, from the code
CODE_REFRESH = "code-refresh"  # its refresh token
SUCCESSOR_ACCESS = "successor-access"  # the access token of a refresh, from the refresh token
SUCCESSOR_REFRESH = "successor-refresh"  # the refresh token that succeeds it

ALL = (
    ID_NUMBER,
    USCC,
    ORG_CODE,
    MOBILE,
    EMAIL,
    LEGACY_ROW,
    THROTTLE,
    REGISTER_VERIFIED,
    HANDLER_BINDING_LIMIT,
    CLIENT_SECRET,
    VERIFICATION_BINDING,
    VERIFICATION_CODE,
    CAPTCHA,
    CODE_ACCESS,
    CODE_REFRESH,
    SUCCESSOR_ACCESS,
    SUCCESSOR_REFRESH,
    KEY_CHECK,
    ADMIN_TOTP,
    ADMIN_SECRET_HANDOVER,
)
