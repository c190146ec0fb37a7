"""Protocol words the domain and the protocol layer both spell, defined once.

Client authentication methods (RFC 7591 §2 ``token_endpoint_auth_method``; OIDC Core §9), grant
types (RFC 7591 §2 ``grant_types``), the response type, the ACR values and the ID token signing
algorithms this provider offers (JWA, RFC 7518 §3.1). They live in the domain because client
registration (``domain.clients.registry``, ``domain.models.client``) checks them; ``idp.protocol``
imports them.
"""

from __future__ import annotations

CLIENT_SECRET_BASIC = "client_secret_basic"
CLIENT_SECRET_POST = "client_secret_post"
PRIVATE_KEY_JWT = "private_key_jwt"
AUTH_NONE = "none"  # a public client (PKCE required)
# methods that present the client secret itself
SECRET_AUTH_METHODS = (CLIENT_SECRET_BASIC, CLIENT_SECRET_POST)
# methods that authenticate a confidential client (introspection, client credentials)
CONFIDENTIAL_AUTH_METHODS = (*SECRET_AUTH_METHODS, PRIVATE_KEY_JWT)
AUTH_METHODS = (*CONFIDENTIAL_AUTH_METHODS, AUTH_NONE)

AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"
CLIENT_CREDENTIALS = "client_credentials"
GRANT_TYPES = (AUTHORIZATION_CODE, REFRESH_TOKEN, CLIENT_CREDENTIALS)

# the one response type (OIDC Core §3.1: the authorization code flow only; no implicit or hybrid)
CODE = "code"
RESPONSE_TYPES = (CODE,)

# Authentication context class references (OIDC Core §2 ``acr``): "1" is a single factor
# (password); stronger methods added later get higher levels. Listed in discovery.
ACR_PASSWORD = "1"
ACR_VALUES = (ACR_PASSWORD,)

RS256 = "RS256"
ES256 = "ES256"
PS256 = "PS256"
ID_TOKEN_ALGS = (RS256, ES256)  # keys of both kinds are kept (idp.protocol.keys)
# what a client may sign its private_key_jwt assertion with (RFC 7523 §3)
CLIENT_ASSERTION_ALGS = (RS256, PS256, ES256)
