"""Demo administrators of the admin area (issue 12): one per role, enrolled with a fixed TOTP
secret that ``idp demo seed`` prints, so the README's admin journey works with any
authenticator app (or ``oathtool --totp -b SECRET``). Called by ``demo.seed``; refused in
production like the rest of the demo data (the secrets are public). Idempotent: only missing
admins are created, and an existing one is left as it is.
"""

from __future__ import annotations

PASSWORD = "Admin-Demo-2026"
DEMO_ADMINS = [
    {
        "username": "demo.system",
        "display_name": "演示系统管理员",
        "role": "system",
        "secret": "A6OXRXXATOBBJUCPNU2ZHDOG4R62LYLD",
    },
    {
        "username": "demo.reviewer",
        "display_name": "演示审核员",
        "role": "reviewer",
        "secret": "HL6OFWXWGWS4MAEHEBIEYIXGH6OXXU2F",
    },
    {
        "username": "demo.auditor",
        "display_name": "演示审计员",
        "role": "auditor",
        "secret": "46ESVI6R7S2WVE5I55L6MSDKLZ3GIPAJ",
    },
]


def seed() -> list[str]:
    from .domain import purposes
    from .domain.admins import accounts as admins
    from .extensions import db
    from .services import services

    done = []
    for spec in DEMO_ADMINS:
        if admins.get(spec["username"]) is not None:
            continue
        admin = admins.create(spec["username"], spec["display_name"], spec["role"], PASSWORD)
        admin.totp_secret_enc = services().cipher.encrypt(spec["secret"], purposes.ADMIN_TOTP)
        admin.totp_enrolled = True
        db.session.flush()
        done.append(f"admin {spec['username']} ({spec['role']})")
    return done


def credentials() -> list[str]:
    """What to type at /admin/login, one line per demo admin."""
    return [
        f"admin {spec['username']} ({spec['role']}): password {PASSWORD}  "
        f"TOTP secret {spec['secret']}"
        for spec in DEMO_ADMINS
    ]
