"""Errors that cross layers. Entry points turn them into messages; they never leak tracebacks."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user can cause and fix."""


class ValidationError(DomainError):
    """Bad input, always naming the field and the problem."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class NotFound(DomainError):
    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} not found: {key}")
        self.entity = entity
        self.key = key


class Conflict(DomainError):
    """The change contradicts stored data (a duplicate, a stale version)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class PermissionDenied(DomainError):
    def __init__(self, permission: str) -> None:
        super().__init__(f"permission denied: {permission} is required")
        self.permission = permission


class AuthenticationFailed(DomainError):
    """Wrong credentials or a locked account. The message never says which part was wrong."""


class TenantViolation(DomainError):
    """A write tried to cross the sub-account boundary of its unit of work."""


class SchemaTooNew(DomainError):
    """The database was written by a newer version of the app."""
