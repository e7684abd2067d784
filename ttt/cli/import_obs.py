"""Placeholder until the owning helper fills it in."""
