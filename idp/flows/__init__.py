"""The interaction layer: a parked authorization request and the steps that run before a code.

``pending`` parks and loads requests, ``steps`` defines each step (login, consent, and the
steps later features add), ``policy`` picks the next needed step and resumes the request when
none is left. ``account_events`` is the one place where an account event (deactivation,
password or mobile change, handler unbinding, change to agency, consent withdrawal, client
disabling) has its consequences: grants revoked, SSO sessions ended after the commit, audit.
"""
