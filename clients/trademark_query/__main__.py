"""Serve 商标网上查询: ``python -m clients.trademark_query [--host H] [--port P]``."""

from ..sample_rp.serve import main
from . import SUBSYSTEM

main(SUBSYSTEM, __spec__.parent)
