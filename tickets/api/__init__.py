"""REST API of the hotline (API.md: tickets/, calls/, duty-shifts/, knowledge-articles/)."""
