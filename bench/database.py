"""Create, reuse or rebuild the bench database. A dataset is reused when its fingerprint (the builder's
parameters, version and keys) matches the one stored in the small table `bench_fingerprint`."""

from __future__ import annotations

import hashlib
import json

import psycopg
from psycopg import sql

from .env import database_name, maintenance_url

FINGERPRINT_TABLE = "bench_fingerprint"


def fingerprint(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


def stored_fingerprint(url: str) -> str | None:
    """The fingerprint of a completely built dataset, or None (no database, no table, unfinished build)."""
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT value FROM bench_fingerprint WHERE key = 'dataset'"
                if _has_table(conn)
                else "SELECT NULL WHERE false"
            ).fetchone()
            return row[0] if row else None
    except psycopg.OperationalError:
        return None


def _has_table(conn) -> bool:
    return bool(conn.execute("SELECT to_regclass(%s) IS NOT NULL", [FINGERPRINT_TABLE]).fetchone()[0])


def recreate(url: str) -> None:
    """Drop the bench database (if any) and create it empty."""
    name = database_name(url)
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def store_fingerprint(connection, value: str, params: dict) -> None:
    """Written last, in the builder's own connection: only a finished build is ever reused."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {FINGERPRINT_TABLE} "
            "(key text PRIMARY KEY, value text NOT NULL, params jsonb NOT NULL,"
            " built_at timestamptz NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {FINGERPRINT_TABLE} (key, value, params, built_at) "  # noqa: S608 - a constant name
            "VALUES ('dataset', %s, %s, now()) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, params = EXCLUDED.params, "
            "built_at = EXCLUDED.built_at",
            [value, json.dumps(params)],
        )
