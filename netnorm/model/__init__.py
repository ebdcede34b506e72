"""The public schema (pydantic, imported lazily), enums and vocabulary tables."""
