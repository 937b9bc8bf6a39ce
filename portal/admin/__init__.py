"""Administration pages: organisations and users."""
