"""Adapters: implementations of the domain's ports, chosen by settings."""
