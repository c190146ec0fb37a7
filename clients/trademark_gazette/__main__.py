"""Serve 商标公告: ``python -m clients.trademark_gazette [--host H] [--port P]``."""

from ..sample_rp.serve import main
from . import SUBSYSTEM

main(SUBSYSTEM, __spec__.parent)
