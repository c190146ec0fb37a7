"""Proving a mobile or an e-mail address: one-time codes and how often they may be sent (S7)."""
