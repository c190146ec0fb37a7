"""商标网上查询 (a later batch): trademark searches, a sample relying party.

Its settings are ``subsystem.toml``; the relying party is ``clients.sample_rp``.
"""

from ..sample_rp import Subsystem

SUBSYSTEM = Subsystem.of(__name__)
create_app = SUBSYSTEM.create_app
