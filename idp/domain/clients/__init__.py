"""Relying parties (R1): registration of subsystems, remembered consent, claims."""
