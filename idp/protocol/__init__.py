"""The OpenID Connect protocol: Authlib's server, grants, keys, claims, discovery, logout.

Nothing here knows about trademarks, legacy accounts or agencies; the interaction layer
(``idp.flows``) answers "who is the user and did they consent" before a code is issued.
"""
