"""Verification: compare a SQLite file with its PostgreSQL copy, table by table, check by check."""
