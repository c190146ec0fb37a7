"""Registration (P1, P3, S2-S7): natural persons, organisations, and binding a handler to an organisation."""
