"""The gettext no-op marker, importable by pure modules without aiogram or Babel."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message
