from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal with a stable machine code; pages show `message`, the API returns it as JSON."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 422,
        details: dict[str, Any] | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.status = status
        self.details = dict(details or {})
        self.field = field
        if field and "field" not in self.details:
            self.details["field"] = field

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class NotFound(DomainError):
    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__("not_found", message, status=404, details=details)


class Forbidden(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__("forbidden", message, status=403)
