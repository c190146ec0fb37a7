"""Organisations and their handlers: registration, verification, handler binding, reviews, uploaded PDFs (P3, P6, R2, S4-S6, Y2)."""
