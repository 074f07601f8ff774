"""Realistic synthetic data at scale (owners and businesses across communes and sectors).

Bulk inserts through Core keep 100,000 businesses to seconds on SQLite and PostgreSQL.
"""

import random
from collections.abc import Callable

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from portal import geo
from portal.auth.models import Role, User
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector
from portal.extensions import db
from portal.timeutil import utcnow

#: Households dominate in the provinces; enterprises are a minority.
KIND_WEIGHTS = {
    BusinessKind.HOUSEHOLD: 45,
    BusinessKind.HOUSEHOLD_BUSINESS: 35,
    BusinessKind.ENTERPRISE: 15,
    BusinessKind.COOPERATIVE: 5,
}
BATCH = 5_000


def generate(
    businesses: int,
    province_codes: tuple[int, ...] = (22, 1, 15),
    seed: int = 2030,
    echo: Callable[[str], None] = print,
) -> None:
    """Add ``businesses`` businesses, each with its own owner, spread over the provinces."""
    rng = random.Random(seed)
    # One hash for all synthetic owners: hashing 100,000 passwords would dominate the run.
    password_hash = generate_password_hash("synthetic-password", method="scrypt")
    kinds, weights = zip(*KIND_WEIGHTS.items(), strict=True)
    sectors = list(Sector)
    communes = {code: geo.communes(code) for code in province_codes}
    start = (db.session.scalar(sa.select(sa.func.max(User.id))) or 0) + 1
    now = utcnow()
    for offset in range(0, businesses, BATCH):
        size = min(BATCH, businesses - offset)
        users, rows = [], []
        for i in range(size):
            n = start + offset + i
            province = rng.choice(province_codes)
            kind = rng.choices(kinds, weights)[0]
            users.append(
                {
                    "id": n,
                    "name": f"Chủ cơ sở {n}",
                    "email": f"synthetic{n}@example.vn",
                    "password_hash": password_hash,
                    "role": Role.OWNER,
                    "active": True,
                    "created_at": now,
                }
            )
            household = kind == BusinessKind.HOUSEHOLD
            rows.append(
                {
                    "owner_id": n,
                    "name": f"Cơ sở số {n}",
                    "kind": kind,
                    "tax_code": None if household else f"{5700000000 + n:010d}",
                    "sector": rng.choice(sectors),
                    "size": BusinessSize.FAMILY if household else BusinessSize.MICRO,
                    "province_code": province,
                    "commune_code": int(rng.choice(communes[province]).code),
                    "address": f"Thôn {rng.randint(1, 12)}",
                    "created_at": now,
                }
            )
        db.session.execute(sa.insert(User.__table__), users)
        db.session.execute(sa.insert(Business.__table__), rows)
        db.session.commit()
        echo(f"  {offset + size:,} businesses")
    if db.engine.dialect.name == "postgresql":
        # Explicit ids above: move the sequence past them.
        db.session.execute(sa.text("SELECT setval('users_id_seq', (SELECT max(id) FROM users))"))
        db.session.commit()
