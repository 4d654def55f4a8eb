"""PostgreSQL's side of the global search: the pg_trgm extension, the tokens function, a
stored tokens column and the GIN trigram indexes (docs/architecture.md §search.indexes).

``SearchIndexes(table=, texts=[…], numbers=[…])`` is a migration operation that does
nothing on other databases (SQLite searches the texts themselves, core/search.py). The
tokens column is computed by the database (``GENERATED ALWAYS … STORED``) and is not a
model field, so no service has to keep it up to date and simple-history ignores it.
"""

from __future__ import annotations

from django.db import migrations

# The same tokens as servicedesk.core.search.tokens: CJK runs give their bigrams (a lone
# character itself), latin and digit runs are one token; distinct, space-separated, with a
# space at both ends so that `` 凭证 `` is found with LIKE '% 凭证 %'.
TOKENS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION sd_search_tokens(doc text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT ' ' || coalesce(string_agg(DISTINCT tok, ' '), '') || ' '
FROM (
    SELECT CASE WHEN run ~ '^[a-z0-9]' OR length(run) = 1 THEN run
                ELSE substr(run, i, 2) END AS tok
    FROM regexp_matches(
            lower(normalize(coalesce(doc, ''), NFKC)),
            '[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+', 'g') AS m(arr),
         LATERAL (SELECT arr[1] AS run) AS r,
         LATERAL generate_series(
            1, CASE WHEN run ~ '^[a-z0-9]' THEN 1 ELSE greatest(length(run) - 1, 1) END) AS i
) AS t
$$;
"""


def _document(texts: list[str]) -> str:
    return " || ' ' || ".join(f"coalesce({name}::text, '')" for name in texts)


class SearchIndexes(migrations.operations.base.Operation):
    """pg_trgm, the tokens column of ``texts`` and trigram indexes on ``UPPER(number)``
    (what Django's ``icontains`` compares) for each of ``numbers``."""

    reduces_to_sql = True
    reversible = True

    def __init__(
        self, table: str, texts: list[str] | None = None, numbers: list[str] | None = None
    ):
        self.table = table
        self.texts = list(texts or [])
        self.numbers = list(numbers or [])

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {"table": self.table, "texts": self.texts, "numbers": self.numbers},
        )

    def state_forwards(self, app_label, state) -> None:
        pass  # the column and indexes are not part of any model

    def _statements(self) -> list[str]:
        statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm", TOKENS_FUNCTION]
        if self.texts:
            statements += [
                f"ALTER TABLE {self.table} ADD COLUMN search_tokens text GENERATED ALWAYS AS "
                f"(sd_search_tokens({_document(self.texts)})) STORED",
                f"CREATE INDEX {self.table}_tokens_trgm ON {self.table} "
                "USING gin (search_tokens gin_trgm_ops)",
            ]
        for name in self.numbers:
            statements.append(
                f"CREATE INDEX {self.table}_{name}_trgm ON {self.table} "
                f"USING gin ((UPPER({name}::text)) gin_trgm_ops)"
            )
        return statements

    def _reverse(self) -> list[str]:
        statements = [f"DROP INDEX IF EXISTS {self.table}_{n}_trgm" for n in self.numbers]
        if self.texts:
            statements += [
                f"DROP INDEX IF EXISTS {self.table}_tokens_trgm",
                f"ALTER TABLE {self.table} DROP COLUMN IF EXISTS search_tokens",
            ]
        return statements

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in self._statements():
            schema_editor.execute(sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in self._reverse():
            schema_editor.execute(sql)

    def describe(self) -> str:
        return f"Search tokens and trigram indexes on {self.table}"

    @property
    def migration_name_fragment(self) -> str:
        return f"search_{self.table}"
