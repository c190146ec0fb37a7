"""P3 "handler already registered" without telling a stranger who is registered.

The organisation names the person by mobile AND document (type and number). ``start`` answers
the same whether or not they belong to one active, real-name natural person: it only returns a
ticket. On a match, and only then, an SMS code goes to that mobile naming the organisation, so
the person knows who asks. Every refusal that depends on the person (Y2: not a filed
practitioner, already an agency's handler; already bound here) waits until the code is proven
(``complete``, through ``handlers.bind_handler``). Attempts are limited per organisation, per
client IP and per target mobile, match or not (``handler_limits``); a send the code limits or
the gateway refused is not told either. A code refusal reads the same ``CODE_REFUSED`` whether
no SMS was sent, the code is wrong, expired or burnt. What the ticket stands for (the person, if
any) stays in the store: the signed session cookie, which its holder can read, gets only the
random ticket.
"""

from __future__ import annotations

import json
import logging
import secrets

from sqlalchemy import select

from ...extensions import db
from ...services import services
from .. import purposes
from ..accounts import users as accounts
from ..errors import DomainError
from ..identity import documents
from ..models import HandlerBinding, Organisation, User
from ..models.user import ACTIVE, NATURAL
from ..verification.codes import CodeRefused
from . import handlers
from .handler_limits import BindLimits

log = logging.getLogger(__name__)
PURPOSE = "bind_handler"  # verification purposes are [a-z0-9_]
CODE_REFUSED = "handler.code_refused"
NAME_LENGTH = 40  # the organisation's name in the SMS, cut to keep one message


def _key(ticket: str) -> str:
    return f"hb:ticket:{ticket}"


def _digest(kind: str, value: str) -> str:
    return services().blind_index(f"{kind}:{value}", purposes.HANDLER_BINDING_LIMIT)


def matching_person(phone: str, id_type: str, id_number: str) -> User | None:
    """The active real-name natural person with this mobile AND this document, or None."""
    return db.session.scalar(
        select(User).where(
            User.phone == phone,
            User.id_type == id_type,
            User.id_number_bidx == accounts.id_number_index(id_number),
            User.status == ACTIVE,
            User.user_type == NATURAL,
            User.realname_verified.is_(True),
        )
    )


def start(organisation: Organisation, *, phone: str, id_type: str, id_number: str, ip: str) -> str:
    """P3: name the handler; returns a ticket for ``complete``. Raises only for what does not
    depend on the person: the organisation's own state, the format of what was typed, a limit."""
    handlers.check_organisation(organisation)
    svc = services()
    mobile = documents.validate_mobile(phone)
    number = documents.validate_id_number(
        id_type, id_number, today=documents.beijing_date(svc.clock.now())
    )
    BindLimits(svc.store, svc.clock, svc.settings).take(
        _digest("org", str(organisation.id)), _digest("ip", ip or "-"), _digest("sms", mobile)
    )
    person = matching_person(mobile, id_type, number)
    ticket = secrets.token_urlsafe(18)
    record = {"org": organisation.id, "phone": mobile, "person": person.id if person else None}
    svc.store.set(_key(ticket), json.dumps(record), ttl=svc.settings.codes.ttl + 60)
    if person is not None:
        _send(organisation, mobile, ticket, ip)
    return ticket


def _send(organisation: Organisation, mobile: str, ticket: str, ip: str) -> None:
    name = organisation.name
    if len(name) > NAME_LENGTH:
        name = name[: NAME_LENGTH - 1] + "…"
    try:
        services().codes.send(
            "sms",
            mobile,
            PURPOSE,
            ticket,
            ip,
            later=True,
            template=PURPOSE,
            params={"organisation": name},
        )
    except DomainError as exc:  # code limits or the gateway: told like a mismatch
        log.info("handler binding code not sent: %s", type(exc).__name__)


def complete(organisation: Organisation, ticket: str | None, code: str) -> HandlerBinding:
    """P3: the code the named person received binds them (``handlers.bind_handler``: P3, Y2);
    any code refusal, or a ticket that sent nothing, is ``CodeRefused(CODE_REFUSED)``."""
    store = services().store
    raw = store.get(_key(ticket)) if ticket else None
    record = json.loads(raw) if raw else None
    if record is None or record["org"] != organisation.id:
        raise CodeRefused(CODE_REFUSED)
    assert ticket is not None  # the record was found under it
    try:
        services().codes.verify("sms", record["phone"], PURPOSE, ticket, code or "")
    except CodeRefused:
        raise CodeRefused(CODE_REFUSED) from None
    store.delete(_key(ticket))
    person = db.session.get(User, record["person"]) if record["person"] else None
    if person is None:  # no code was sent for this ticket, so none can verify
        raise CodeRefused(CODE_REFUSED)
    return handlers.bind_handler(organisation, person)
