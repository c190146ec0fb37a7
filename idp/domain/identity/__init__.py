"""Identifiers and personal data: documents, USCC, mobiles, e-mails, names, addresses, validity, data at rest (D1-D5)."""
