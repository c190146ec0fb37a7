"""The administrators of the admin area (issue 12, "Administrators"): their accounts, roles,
passwords and TOTP second factor. Separate from the citizens' accounts (``accounts``): an admin
is never a ``User`` and signs in only at ``/admin``. The CLI (``idp admin``) and the admin pages
call the same operations here (``accounts``, ``totp``)."""
