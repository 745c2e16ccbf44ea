"""The kept yearly facts per dasawisma (recaps.ringkasan) and the triggers that note every write to the
counted tables in recaps_perubahandasawisma, in the writer's own transaction.

PostgreSQL: one statement-level trigger per table and operation, reading the statement's rows as a
transition table, so a COPY or a bulk insert of thousands of rows adds one row per dasawisma it touched.
SQLite: a row-level trigger per table and operation (SQLite has no statement-level triggers).
A row reaches its dasawisma through its parents (warga -> keluarga -> rumah tangga); an update notes
the dasawisma before and after (a move notes both). A pregnancy notes its own dasawisma and the
mother's, since the mother's household counts her as ibu hamil."""

import django.db.models.deletion
from django.db import migrations, models


# The counted tables and the ways from one of their rows to a dasawisma id: "dasawisma_id" (a column of
# the row itself) or a chain of (parent table, the column pointing to it) ending at a rumah tangga.
RT = ("households_rumahtangga", "rumah_tangga_id")
KELUARGA = ("households_keluarga", "keluarga_id")
COUNTED = {
    "households_rumahtangga": ["dasawisma_id"],
    "households_keluarga": [[RT]],
    "households_warga": [[KELUARGA, RT]],
    "households_kehamilan": ["dasawisma_id", [("households_warga", "ibu_id"), KELUARGA, RT]],
    "households_pemanfaatanpekarangan": [[RT]],
    "households_industrirumahtangga": [[RT]],
}
LOG = "recaps_perubahandasawisma"


def _path_pg(path, rows):
    """SELECT the dasawisma ids of the rows of the transition table `rows`."""
    if path == "dasawisma_id":
        return f"SELECT r.dasawisma_id FROM {rows} r"
    joins, previous = [], "r"
    for i, (table, column) in enumerate(path):
        joins.append(f"JOIN {table} p{i} ON p{i}.id = {previous}.{column}")
        previous = f"p{i}"
    return f"SELECT {previous}.dasawisma_id FROM {rows} r " + " ".join(joins)


def _path_sqlite(path, row):
    """SELECT the dasawisma id of the trigger's row (NEW or OLD)."""
    if path == "dasawisma_id":
        return f"SELECT {row}.dasawisma_id AS dasawisma_id"
    (first, first_column), rest = path[0], path[1:]
    joins, previous = [], "p0"
    for i, (table, column) in enumerate(rest, start=1):
        joins.append(f"JOIN {table} p{i} ON p{i}.id = {previous}.{column}")
        previous = f"p{i}"
    return (
        f"SELECT {previous}.dasawisma_id AS dasawisma_id FROM {first} p0 "
        + " ".join(joins)
        + f" WHERE p0.id = {row}.{first_column}"
    )


def _note(selects):
    union = " UNION ".join(selects)
    return (
        f"INSERT INTO {LOG} (dasawisma_id, bobot) "
        f"SELECT DISTINCT d.dasawisma_id, 1 FROM ({union}) d WHERE d.dasawisma_id IS NOT NULL"
    )


def _postgresql(table, paths):
    new = [_path_pg(p, "baru") for p in paths]
    old = [_path_pg(p, "lama") for p in paths]
    name = f"recaps_catat_{table}"
    yield f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_note(new)};
    ELSIF TG_OP = 'DELETE' THEN
        {_note(old)};
    ELSE
        {_note(new + old)};
    END IF;
    RETURN NULL;
END $$"""
    yield (
        f"CREATE TRIGGER {name}_i AFTER INSERT ON {table} REFERENCING NEW TABLE AS baru "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
    )
    yield (
        f"CREATE TRIGGER {name}_u AFTER UPDATE ON {table} REFERENCING OLD TABLE AS lama NEW TABLE AS baru "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
    )
    yield (
        f"CREATE TRIGGER {name}_d AFTER DELETE ON {table} REFERENCING OLD TABLE AS lama "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
    )


def _sqlite(table, paths):
    name = f"recaps_catat_{table}"
    for suffix, event, rows in (("i", "INSERT", ["NEW"]), ("u", "UPDATE", ["NEW", "OLD"]), ("d", "DELETE", ["OLD"])):
        note = _note([_path_sqlite(p, row) for row in rows for p in paths])
        yield f"CREATE TRIGGER {name}_{suffix} AFTER {event} ON {table} FOR EACH ROW BEGIN {note}; END"


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    make = {"postgresql": _postgresql, "sqlite": _sqlite}.get(vendor)
    if make is None:
        raise RuntimeError(f"recaps.0002: no triggers written for the database {vendor!r}")
    for table, paths in COUNTED.items():
        for statement in make(table, paths):
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in COUNTED:
        name = f"recaps_catat_{table}"
        for suffix in "iud":
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix} ON {table}")
            else:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix}")
        if vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0007_nik_lookup_log'),
        ('hierarchy', '0003_must_change_password'),
        ('recaps', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='PerubahanDasawisma',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('dasawisma_id', models.BigIntegerField(db_index=True)),
                ('bobot', models.BigIntegerField(default=1)),
            ],
            options={
                'verbose_name': 'perubahan data dasawisma',
                'verbose_name_plural': 'perubahan data dasawisma',
            },
        ),
        migrations.CreateModel(
            name='RingkasanDasawisma',
            fields=[
                ('dasawisma', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='ringkasan', serialize=False, to='hierarchy.unit')),
                ('per_tanggal', models.DateField(verbose_name='keadaan per')),
                ('versi', models.BigIntegerField(default=0)),
                ('fakta', models.JSONField(default=dict)),
            ],
            options={
                'verbose_name': 'ringkasan dasawisma',
                'verbose_name_plural': 'ringkasan dasawisma',
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
