"""ORM-made SQLite files: which ORM made the file (detect), the types that ORM creates on PostgreSQL (design,
models), and reading the data the way the application does (django_read)."""
