"""Dashboard and service health pages."""
