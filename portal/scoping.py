"""The one place that limits queries of province data to what the current user may see.

Every model holding province data defines ``visible_to(user)``, a SQL condition; national
administrators see everything. Views fetch rows through these helpers only. A model about one
business or about a province's offer takes its ``visible_to`` from one of the mixins below.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from sqlalchemy.orm import Mapped

from portal.extensions import db


class Identified(Protocol):
    """A model whose rows are found by an integer ``id`` (the class holds the column)."""

    id: ClassVar[Mapped[int]]


M = TypeVar("M", bound=Identified)


def visible(model: Any, user: Any = None) -> sa.ColumnElement[bool]:
    """Return the condition selecting the rows of ``model`` that ``user`` may see."""
    user = user if user is not None else current_user
    if not user.is_authenticated:
        return sa.false()
    if user.is_admin:
        return sa.true()
    return model.visible_to(user)


def scoped_select(model: Any, user: Any = None) -> sa.Select:
    """Return ``select(model)`` limited to what ``user`` (default: current user) may see."""
    return sa.select(model).where(visible(model, user))


def get_scoped_or_404(
    model: type[M], ident: int, user: Any = None, *, options: tuple[Any, ...] = ()
) -> M:
    """Return the row with this id if the user may see it, else 404 (never reveal it exists).

    ``options`` are loader options, e.g. ``(sa.orm.joinedload(Assessment.business),)`` for a
    view that reads the row's business too: one statement instead of two.
    """
    query = scoped_select(model, user).where(model.id == ident)
    row = db.session.scalar(query.options(*options) if options else query)
    if row is None:
        abort(404)
    return row


def can_manage_province(province_code: int | None, user: Any = None) -> bool:
    """Tell whether the user administers data of this province."""
    user = user if user is not None else current_user
    return user.is_admin or (user.is_province_user and user.province_code == province_code)


@dataclass(frozen=True)
class ProvinceReader:
    """A read-only principal of one province, not a person (e.g. an API token).

    ``visible`` and every ``visible_to`` treat it like a staff member of that province, so the
    report queries scope it without knowing about it; it manages nothing.
    """

    province_code: int
    id = None
    is_authenticated = True
    is_admin = False
    is_owner = False
    is_province_user = False


#: The columns of the businesses table the mixins need. A table clause, not the ``Business`` model:
#: scoping is core and imports no feature (tests/unit/test_import_direction.py).
_BUSINESSES = sa.table(
    "businesses", sa.column("id"), sa.column("owner_id"), sa.column("province_code")
)


class OwnersSeeTheirBusinesses:
    """Scope of a row about one business: its owner, or the users of its province.

    The model has ``business_id`` and ``province_code`` columns.
    """

    if TYPE_CHECKING:  # the model's columns (declared there: a mixin's would be copied)
        business_id: Mapped[int]
        province_code: Mapped[int]

    @classmethod
    def visible_to(cls, user: Any) -> sa.ColumnElement[bool]:
        if user.is_owner:
            return cls.business_id.in_(
                sa.select(_BUSINESSES.c.id).where(_BUSINESSES.c.owner_id == user.id)
            )
        return cls.province_code == user.province_code


class OwnersSeeTheirProvinces:
    """Scope of a province's offer (courses, classes, subsidies): owners see it in every
    province where they have a business; province users in their own."""

    if TYPE_CHECKING:  # the model's column
        province_code: Mapped[int]

    @classmethod
    def visible_to(cls, user: Any) -> sa.ColumnElement[bool]:
        if user.is_owner:
            return cls.province_code.in_(
                sa.select(_BUSINESSES.c.province_code).where(_BUSINESSES.c.owner_id == user.id)
            )
        return cls.province_code == user.province_code
