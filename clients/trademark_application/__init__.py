"""商标网上申请 (first batch): online trademark applications, a sample relying party.

Its settings are ``subsystem.toml``; the relying party is ``clients.sample_rp``.
"""

from ..sample_rp import Subsystem

SUBSYSTEM = Subsystem.of(__name__)
create_app = SUBSYSTEM.create_app
