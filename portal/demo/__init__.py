"""Realistic demonstration data for the IISG Database."""
