"""The search index without metadata lines and e-mail addresses; on PostgreSQL, the tsvector
column kept uncompressed.

Existing entries lose the metadata lines and addresses that ``search_index_document`` now
leaves out (front matter and a header block at the start of the text, ``[[key:value]]`` tags
and addresses anywhere), so no snippet shows them.

PostgreSQL ranks every match with ``ts_rank``, which reads its tsvector: compressed (the
default), each one is decompressed first, which took most of a broad search's time. Stored
uncompressed (``STORAGE EXTERNAL``, still out of line) the same ranking reads them about twice
as fast, for about 40% more disk for the column. Nothing a search finds changes. SQLite's FTS5
index is left as it is.
"""

from django.db import migrations

STORAGE = {
    "postgresql": (
        "ALTER TABLE library_searchentry ALTER COLUMN vector SET STORAGE EXTERNAL",
        # A new value is written in the column's new storage; the same value would not be.
        "UPDATE library_searchentry SET vector = vector || ''::tsvector",
    )
}
STORAGE_BACK = {
    "postgresql": ("ALTER TABLE library_searchentry ALTER COLUMN vector SET STORAGE EXTENDED",)
}


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(statement)

    return run


def clear_metadata(apps, schema_editor):
    from casm.library.extraction import public_text
    from casm.library.search import search_entry_write_vector

    SearchEntry = apps.get_model("library", "SearchEntry")
    entries = SearchEntry.objects.using(schema_editor.connection.alias)
    for entry in entries.only("document_id", "abstract", "body", "language").iterator():
        abstract = public_text(entry.abstract, whole_file=False)
        body = public_text(entry.body)
        if (abstract, body) == (entry.abstract, entry.body):
            continue
        entries.filter(document_id=entry.document_id).update(abstract=abstract, body=body)
        if schema_editor.connection.vendor == "postgresql":
            search_entry_write_vector(entry.document_id)


class Migration(migrations.Migration):
    dependencies = [("library", "0003_review_withdraw")]

    operations = [
        migrations.RunPython(clear_metadata, migrations.RunPython.noop),
        migrations.RunPython(_run(STORAGE), _run(STORAGE_BACK)),
    ]
