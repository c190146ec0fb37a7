"""Discovery metadata (OIDC Discovery 1.0 §3, RFC 8414, RFC 9207, Logout specs).

Everything listed here is implemented; nothing implemented is left out. The document depends
only on settings, so it is built once per process.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ..domain import vocab
from ..domain.vocab import AUTH_NONE, CLIENT_ASSERTION_ALGS, CONFIDENTIAL_AUTH_METHODS, GRANT_TYPES
from .claims import CLAIMS_SUPPORTED
from .keys import ALGS

ENDPOINTS = {
    "authorization_endpoint": "/authorize",
    "token_endpoint": "/token",
    "userinfo_endpoint": "/userinfo",
    "jwks_uri": "/jwks",
    "revocation_endpoint": "/revoke",
    "introspection_endpoint": "/introspect",
    "end_session_endpoint": "/logout",
}
AUTH_METHODS = list(CONFIDENTIAL_AUTH_METHODS)


def build(issuer: str, scopes: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {"issuer": issuer}
    doc.update({name: issuer + path for name, path in ENDPOINTS.items()})
    doc.update(
        {
            "scopes_supported": scopes,
            "response_types_supported": list(vocab.RESPONSE_TYPES),
            "response_modes_supported": ["query"],
            "grant_types_supported": list(GRANT_TYPES),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": list(ALGS),
            "token_endpoint_auth_methods_supported": AUTH_METHODS + [AUTH_NONE],
            "token_endpoint_auth_signing_alg_values_supported": list(CLIENT_ASSERTION_ALGS),
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS + [AUTH_NONE],
            "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": CLAIMS_SUPPORTED,
            "acr_values_supported": list(vocab.ACR_VALUES),
            "claim_types_supported": ["normal"],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "prompt_values_supported": ["none", "login", "consent"],
            "display_values_supported": ["page"],
            "ui_locales_supported": ["zh-CN", "en"],
            "authorization_response_iss_parameter_supported": True,
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
            "frontchannel_logout_supported": False,
        }
    )
    return doc


@lru_cache(maxsize=8)
def discovery_json(issuer: str, scopes: tuple[str, ...]) -> str:
    return json.dumps(build(issuer, list(scopes)), ensure_ascii=False)
