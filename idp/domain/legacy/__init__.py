"""Legacy accounts of the online application system: import, login, link, reset, supplementation, appeals (L1-L10, S1-S8)."""
