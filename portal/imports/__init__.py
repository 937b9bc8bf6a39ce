"""Imports: templates, uploads, dry runs and applying them."""
