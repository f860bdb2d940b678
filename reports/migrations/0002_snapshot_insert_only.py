"""Monthly snapshots are insert-only: PostgreSQL refuses UPDATE and DELETE (TRUNCATE, used by test
flushes, is not a row event). The model refuses both too, on every database."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION reports_snapshot_insert_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'reports_monthlysnapshot is insert-only: a finalised month is never changed';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reports_monthlysnapshot_insert_only
    BEFORE UPDATE OR DELETE ON reports_monthlysnapshot
    FOR EACH ROW EXECUTE FUNCTION reports_snapshot_insert_only();
"""

DROP = """
DROP TRIGGER IF EXISTS reports_monthlysnapshot_insert_only ON reports_monthlysnapshot;
DROP FUNCTION IF EXISTS reports_snapshot_insert_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_indicators")]

    operations = [migrations.RunPython(forwards, backwards)]
