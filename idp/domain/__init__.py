"""The domain: models and rules. Knows nothing of HTTP, Flask requests or OAuth libraries."""
