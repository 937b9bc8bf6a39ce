"""The JSON API (/api/v1), authenticated by bearer tokens."""
