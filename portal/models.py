"""Import every feature's models so the metadata (and Alembic) knows all tables."""

from portal.auth.models import Role, User
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector

__all__ = ["Business", "BusinessKind", "BusinessSize", "Role", "Sector", "User"]
