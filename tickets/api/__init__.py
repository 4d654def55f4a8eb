"""REST API of the hotline (docs/api.md §resources)."""
