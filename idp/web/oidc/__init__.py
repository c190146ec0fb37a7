"""The protocol's pages: the endpoints Authlib answers, and the pages of the interaction steps (login, agreement, consent)."""
