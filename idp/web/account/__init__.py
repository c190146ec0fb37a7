"""The personal center (P2-P6): security settings, sessions, the linked legacy account, an organisation's handlers."""
