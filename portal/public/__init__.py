"""The one part of the portal open without signing in: the published reports."""
