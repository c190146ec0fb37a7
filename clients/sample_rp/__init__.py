"""The relying party the sample subsystems share (``clients``): one app factory, one look.

``create_app(subsystem, config)`` (``app.py``) is the whole relying party: the authorization
code flow with PKCE, the pages, RP-initiated and back-channel logout; ``subsystem.py`` says what
differs between subsystems (name, client, port, colour, one line of purpose) and how a sample
is configured; ``who.py`` puts the claims into words; ``backchannel.py`` validates logout
tokens; ``sessions.py`` keeps the sessions server-side, so a logout notice can end them.
"""

from .app import create_app
from .subsystem import Subsystem

__all__ = ["Subsystem", "create_app"]
