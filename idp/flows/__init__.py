"""The interaction layer: a parked authorization request and the steps that run before a code.

``pending`` parks and loads the sign-in record (the request and the ``results`` of its steps),
``steps`` defines each step, ``policy`` declares them in one list (login, supplementation,
agreement, consent), picks the next needed one and resumes the request when none is left;
``supplement`` is the legacy supplementation's part of the record. ``account_events`` is the
one place where an account event (deactivation, password or mobile change, handler unbinding,
change to agency, consent withdrawal, client disabling) has its consequences: grants revoked,
SSO sessions ended after the commit, audit.
"""
