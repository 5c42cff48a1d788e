"""The operational source schema (../shared/source-contract.md), kept as DDL for SQLite and PostgreSQL."""

from importlib.resources import files

# In dependency order: a table's parents come before it.
SOURCE_TABLES = (
    "users_customuser",
    "backend_core_parkingzone",
    "backend_core_parkingslot",
    "backend_core_vehicle",
    "backend_core_parkingsession",
    "backend_core_payment",
)

# Columns that never leave the source (analytics-spec.md, "Personal data").
PERSONAL_COLUMNS = {
    "users_customuser": ("password", "username", "first_name", "last_name", "email", "phone_number"),
}


def source_ddl(dialect: str) -> str:
    """The CREATE TABLE statements for 'sqlite' or 'postgres'."""
    if dialect not in ("sqlite", "postgres"):
        raise ValueError(f"unknown dialect {dialect!r}: expected 'sqlite' or 'postgres'")
    return files(__package__).joinpath(f"{dialect}.sql").read_text()
