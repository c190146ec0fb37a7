"""Sign-in security: login throttling, the counter an attempt counts against, the one-time code after repeated failures (login rules G)."""
