"""Domain errors carry a message a user understands (Chinese) and, where useful, the field."""


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    pass


class Conflict(DomainError):
    pass
