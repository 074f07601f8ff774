"""Accounts and roles."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from portal.clock import utcnow
from portal.extensions import Model

if TYPE_CHECKING:

    class UserMixin:
        """flask_login.UserMixin as a type checker sees it: Flask-Login ships no types, and a
        base class of type Any would make every attribute of User Any too."""

        @property
        def is_active(self) -> bool: ...
        @property
        def is_authenticated(self) -> bool: ...
        @property
        def is_anonymous(self) -> bool: ...
        def get_id(self) -> str: ...

else:
    from flask_login import UserMixin


class Role(enum.StrEnum):
    OWNER = "owner"
    TRAINER = "trainer"
    STAFF = "staff"
    ADMIN = "admin"
    #: A member of a commune's digital technology team: assesses households in the field
    #: (the /field/ app) in the communes province staff attach them to.
    HELPER = "helper"


#: Werkzeug's scrypt at its default cost (N=2**15, r=8, p=1): memory-hard, ~0.15 s a hash.
PASSWORD_HASH_METHOD = "scrypt"


def password_hash_method() -> str:
    """The scheme new password hashes use: scrypt at its full cost, except in the test suite,
    which asks for a cheaper scrypt (``PASSWORD_HASH_METHOD``, refused outside tests) because
    it creates and signs in thousands of accounts. A stored hash names its own cost, so every
    hash verifies whatever the setting."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD") or PASSWORD_HASH_METHOD
    return PASSWORD_HASH_METHOD


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: Lower-cased; an owner may sign up with a phone number only.
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    #: Digits only, Vietnamese national format (0xxxxxxxxx).
    phone: Mapped[str | None] = mapped_column(sa.String(15), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=16), index=True)
    #: The province a trainer, staff member or field helper works for; None for owners and
    #: national admins.
    province_code: Mapped[int | None] = mapped_column(index=True)
    #: Preferred interface language ("vi" or "en"); None means "not chosen yet".
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Part of every session and remember-me cookie; raising it signs out every device.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: The privacy notice version the person last agreed to, and when (UTC); None: never.
    privacy_version: Mapped[int | None] = mapped_column()
    privacy_consented_at: Mapped[datetime | None] = mapped_column()
    #: When the owner closed the account and their personal data was erased; None while open.
    closed_at: Mapped[datetime | None] = mapped_column()

    def get_id(self) -> str:
        """Return the id kept in cookies: the account and its current session version."""
        return f"{self.id}:{self.session_version}"

    def end_all_sessions(self) -> None:
        """Make every copy of this account's session and remember-me cookies worthless."""
        self.session_version += 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def is_province_user(self) -> bool:
        return self.role in (Role.TRAINER, Role.STAFF)

    @property
    def login(self) -> str:
        return self.email or self.phone or ""

    @classmethod
    def visible_to(cls, user: "User") -> sa.ColumnElement[bool]:
        """Staff see the accounts of their province's trainers and staff; owners only their own."""
        if user.is_owner:
            return cls.id == user.id
        return cls.province_code == user.province_code
