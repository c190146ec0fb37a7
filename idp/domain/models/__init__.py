"""SQLAlchemy 2 typed models. One module per aggregate; import them from here."""

from .admin import AdminAccount
from .audit_entry import AuditEntry
from .client import Client
from .consent import Consent
from .key import SigningKey
from .key_check import KeyCheck
from .legacy import LegacyAccount, LegacyAppeal
from .organisation import AgencyFiling, HandlerBinding, Organisation, Practitioner
from .review import DeactivatedIdentity, ReviewCase, StoredFile
from .token import Token
from .user import User

__all__ = [
    "AdminAccount",
    "AgencyFiling",
    "AuditEntry",
    "Client",
    "Consent",
    "DeactivatedIdentity",
    "HandlerBinding",
    "KeyCheck",
    "LegacyAccount",
    "LegacyAppeal",
    "Organisation",
    "Practitioner",
    "ReviewCase",
    "SigningKey",
    "StoredFile",
    "Token",
    "User",
]
