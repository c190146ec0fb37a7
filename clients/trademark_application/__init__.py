"""商标网上申请 (first batch): a sample relying party of 统一身份认证.

It signs in with the authorization code flow + PKCE through Authlib's Flask client, shows the
ID token and userinfo claims, signs out with RP-Initiated Logout 1.0 and honours
Back-Channel Logout 1.0, which is why its own sessions are server-side (``sessions.py``).
"""

from .app import create_app

__all__ = ["create_app"]
