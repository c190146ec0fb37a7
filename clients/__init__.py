"""Sample subsystems (relying parties) of 统一身份认证.

Each package here is a small Flask app that signs in through the IdP exactly as a real
trademark subsystem would; they double as living documentation and as end-to-end test
partners (tests/e2e).
"""
