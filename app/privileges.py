"""Least privilege on PostgreSQL: the role the service connects as.

Migrations run as the owner of the schema. The service connects as another role, which may
SELECT and INSERT on the log tables and nothing more there: no UPDATE, DELETE or TRUNCATE,
and, not owning them, no DDL and no dropping or disabling of their triggers. On the ordinary
tables (ministries, weight sets and their entries, scenarios, API keys) it has what the service
needs. Appends are serialised with a transaction-level advisory lock, which needs no table
privilege. ``costshare db grant-service-role NAME`` runs :func:`grant_service_role`; run it
again after each migration (it is idempotent), as tables a migration adds get no grants.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.errors import InvalidInput

LOG_TABLES = (
    "allocation_report",
    "publication",
    "plan",
    "weight_set_event",
    "log_entry",
    "tree_head",
)
"""Tables the service may only read and append to."""
READ_ONLY_TABLES = ("alembic_version",)
"""Tables the service only reads (``/health`` reports the migration)."""
_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def grant_service_role(connection: Connection, role: str, *, create: bool = True) -> list[str]:
    """Give ``role`` exactly the service's privileges in the connected database (creating the
    role, LOGIN without a password, if it does not exist); returns the statements run."""
    if connection.dialect.name != "postgresql":
        raise InvalidInput("database", "roles and grants exist on PostgreSQL only")
    if not _ROLE.fullmatch(role):
        raise InvalidInput("name", "must be a lowercase SQL identifier (letters, digits, _)")
    found = connection.execute(
        text("SELECT rolsuper FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).first()
    statements: list[str] = []
    if found is None:
        if not create:
            raise InvalidInput("name", f"no role {role}")
        statements.append(f'CREATE ROLE "{role}" LOGIN')
    elif found[0]:
        raise InvalidInput("name", f"{role} is a superuser: it bypasses every privilege")
    else:
        _refuse_owner(connection, role)
    tables = [
        name
        for (name,) in connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        )
    ]
    database = connection.execute(text("SELECT current_database()")).scalar_one()
    statements += [
        f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"',
        f'REVOKE CREATE ON SCHEMA public FROM "{role}"',
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"',
        f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
    ]
    for table in tables:
        if table in LOG_TABLES:
            granted = "SELECT, INSERT"
        elif table in READ_ONLY_TABLES:
            granted = "SELECT"
        else:
            granted = "SELECT, INSERT, UPDATE, DELETE"
        statements.append(f'GRANT {granted} ON TABLE "{table}" TO "{role}"')
    for statement in statements:
        connection.execute(text(statement))
    return statements


def _refuse_owner(connection: Connection, role: str) -> None:
    """A role that owns a table (or is a member of its owner) could drop its triggers."""
    query = text(
        "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' "
        "AND pg_has_role(:role, tableowner, 'MEMBER') LIMIT 1"
    )
    owned = connection.execute(query, {"role": role}).first()
    if owned is not None:
        raise InvalidInput(
            "name",
            f"{role} owns table {owned[0]} (as {owned[1]}): the service must connect as a role "
            "that owns nothing, so it cannot drop or disable the log's triggers",
        )
