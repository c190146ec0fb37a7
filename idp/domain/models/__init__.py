"""SQLAlchemy 2 typed models. One module per aggregate; import them from here."""
from .client import Client
from .consent import Consent
from .key import SigningKey
from .token import Token
from .user import User

__all__ = ["Client", "Consent", "SigningKey", "Token", "User"]
