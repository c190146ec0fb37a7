"""Natural persons' accounts: registration, passwords, profile, agreement, deactivation (G1, P1, P2, P4, S2, S7)."""
