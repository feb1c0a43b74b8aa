"""Application SQL parity: the app's own queries replayed on the SQLite file and on the PostgreSQL copy.

qfile (the queries file) -> replay (translate with pgparity.scan, run on both sides: sides) ->
compare (canonical rules: canon) -> an Outcome per query. checks/test_queries.py runs one test per query.
"""
