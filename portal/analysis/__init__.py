"""The gap analysis pages: coverage matrices, gaps, synergies, funding, CSV downloads."""
