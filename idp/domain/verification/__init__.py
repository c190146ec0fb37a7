"""Proving a mobile or an e-mail address: one-time codes and how often they may be sent (S7);
the messages that tell an owner of an account change (notices) or of a decision (decision_sms)."""
