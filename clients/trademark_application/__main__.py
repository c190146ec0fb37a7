"""Serve 商标网上申请: ``python -m clients.trademark_application [--host H] [--port P]``."""

from ..sample_rp.serve import main
from . import SUBSYSTEM

main(SUBSYSTEM, __spec__.parent)
