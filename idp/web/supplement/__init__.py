"""Legacy accounts after their first legacy login (S1-S8, L10): supplementation of persons and organisations, and manual appeals."""
