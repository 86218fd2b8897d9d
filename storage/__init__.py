"""SQLModel tables, the async database, the unit of work and read-side queries."""
