from tests.pg_databases import pg_database  # noqa: F401  (fixture)
