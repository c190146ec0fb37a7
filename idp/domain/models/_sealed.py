"""``sealed``: one model attribute over a contact's ``_enc`` and ``_bidx`` columns.

The rule (what is encrypted, which blind index) lives in ``idp.domain.identity.contacts``; this only
wires it into the ORM so that reading, assigning and ``Model.attr == value`` all go through it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression
from sqlalchemy.ext.hybrid import Comparator, hybrid_property
from sqlalchemy.orm import QueryableAttribute


class _IndexComparator(Comparator[str | None]):
    expression: SQLColumnExpression[str | None]  # the ``_bidx`` column

    def __init__(self, column: QueryableAttribute[str | None], kind: str) -> None:
        super().__init__(column)
        self.kind = kind

    def __eq__(self, other: str | None) -> ColumnElement[bool]:  # type: ignore[override]
        from ..identity import contacts

        if other is None:
            return self.expression.is_(None)
        return self.expression == contacts.index(self.kind, other)

    def __ne__(self, other: str | None) -> ColumnElement[bool]:  # type: ignore[override]
        from ..identity import contacts

        if other is None:
            return self.expression.isnot(None)
        return self.expression != contacts.index(self.kind, other)


def sealed(name: str, kind: str) -> hybrid_property[str | None]:
    enc, bidx = f"{name}_enc", f"{name}_bidx"

    def get(self: object) -> str | None:
        from ..identity import contacts

        return contacts.unseal(kind, getattr(self, enc))

    def set_(self: object, value: str | None) -> None:
        from ..identity import contacts

        sealed_enc, sealed_bidx = contacts.seal(kind, value)
        setattr(self, enc, sealed_enc)
        setattr(self, bidx, sealed_bidx)

    def compare(cls: type[object]) -> _IndexComparator:
        return _IndexComparator(getattr(cls, bidx), kind)

    prop = hybrid_property(get, set_)
    return prop.comparator(compare)
