"""The full-text index of published documents, which each database builds its own way.

SQLite: an FTS5 table over ``library_searchentry`` (external content), kept in step by
triggers, with porter stemming and accents folded. PostgreSQL: a ``tsvector`` column written by
the services, with a GIN index.
"""

from django.db import migrations

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE library_fts USING fts5(title, abstract, body,"
    " content='library_searchentry', content_rowid='document_id',"
    " tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER library_fts_insert AFTER INSERT ON library_searchentry BEGIN"
    " INSERT INTO library_fts(rowid, title, abstract, body)"
    " VALUES (new.document_id, new.title, new.abstract, new.body); END",
    "CREATE TRIGGER library_fts_delete AFTER DELETE ON library_searchentry BEGIN"
    " INSERT INTO library_fts(library_fts, rowid, title, abstract, body)"
    " VALUES ('delete', old.document_id, old.title, old.abstract, old.body); END",
    "CREATE TRIGGER library_fts_update AFTER UPDATE OF title, abstract, body"
    " ON library_searchentry BEGIN"
    " INSERT INTO library_fts(library_fts, rowid, title, abstract, body)"
    " VALUES ('delete', old.document_id, old.title, old.abstract, old.body);"
    " INSERT INTO library_fts(rowid, title, abstract, body)"
    " VALUES (new.document_id, new.title, new.abstract, new.body); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS library_fts_update",
    "DROP TRIGGER IF EXISTS library_fts_delete",
    "DROP TRIGGER IF EXISTS library_fts_insert",
    "DROP TABLE IF EXISTS library_fts",
]
POSTGRESQL_CREATE = [
    "ALTER TABLE library_searchentry ADD COLUMN vector tsvector",
    "CREATE INDEX library_searchentry_vector ON library_searchentry USING GIN (vector)",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS library_searchentry_vector",
    "ALTER TABLE library_searchentry DROP COLUMN IF EXISTS vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}),
        )
    ]
