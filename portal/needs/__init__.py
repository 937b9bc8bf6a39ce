"""Needs: the list, the pages of one need, and its workflow."""
