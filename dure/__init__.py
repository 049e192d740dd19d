"""Dure runs collaborative R&D programmes end to end."""

__version__ = "0.1.0"
