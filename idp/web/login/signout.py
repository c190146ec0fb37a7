"""What signing out leaves behind in the browser: nothing.

Every sign-out (RP-initiated logout, the personal center's 退出登录, ending the current session
in 会话管理) clears the whole signed form session (``idp_form``) — registrations,
supplementations, password resets and authorization requests the browser started and
abandoned — and drops their parked store entries that the session names, so the next person at
a shared computer finds none of it.
"""

from __future__ import annotations

from flask import session

from ...flows import pending
from ...services import services
from . import code as login_code
from . import legacy_reset as legacy_password
from . import password_reset


def forget_browser() -> None:
    pending.forget_browser()
    for module in (legacy_password, password_reset, login_code):
        flow = session.get(module.FLOW)
        if isinstance(flow, str):
            services().store.delete(module.flow_key(flow))
    session.clear()
