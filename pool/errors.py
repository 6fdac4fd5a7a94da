"""Errors the services raise, in words a person can act on.

Messages are English message ids marked with ``N_`` so the web layer can translate them; parameters
stay apart (``%(name)s``) so a translation can place them.
"""
from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation without translating it here (pool/ knows nothing of requests)."""
    return message


class PoolError(Exception):
    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class Invalid(PoolError):
    """Input that breaks a rule; ``field`` names the input it is about (a form field or JSON key)."""

    def __init__(self, field: str, message: str, **params):
        super().__init__(message, **params)
        self.field = field


class Conflict(PoolError):
    """The record changed since it was read (a stale edit) or the step was already taken."""


class NotFound(PoolError):
    """No such record in this pool (also what another pool's or another party's record looks like)."""
