"""Statements compiled once and rerun with another unit id: for the recaps' hot path, where Django
resolving and compiling a query with a dozen aggregates costs as much as the database running it
(measured in bench/recap.py). See compiled_values; tests in reports/tests/test_events.py.

It uses parts of Django that are not public API (the compiler's as_sql and converters); recheck it
when Django is upgraded (the tests compare cached and freshly built results)."""

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

# Django spends a few milliseconds resolving and compiling a large aggregate (a dozen filtered counts,
# joins, a Coalesce), about as long as the database takes to run it for a whole kota; the recaps run
# the same few statements for every unit of a level. So they are compiled once and run again with
# another unit's id bound, as a prepared statement would be.

# Two ids no database hands out (negative, yet within a 32-bit integer column's range, which Django
# checks): a statement compiled with each tells where the id goes.
_PROBES = (-2_000_000_003, -2_000_000_005)
_COMPILED_MAX = 512  # statements kept (shapes × months × databases); the oldest go first


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple  # the parameters, with None where the unit id goes
    unit_at: tuple  # the indexes of params where the unit id goes
    names: tuple  # the keys of a row, as QuerySet.values() names them
    converters: tuple  # ((index, (converter, ...), expression), ...): Django's conversions of the values


_compiled = {}


def _compile(build, args, connection):
    """Compile build(probe, *args) with each probe; refuse a statement in which anything but the
    probe's places differs (a value derived from the unit id would be served stale)."""
    first, second = (build(probe, *args).query for probe in _PROBES)
    compiler = first.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    sql_b, params_b = second.get_compiler(connection=connection).as_sql()
    unit_at = tuple(i for i, value in enumerate(params) if type(value) is int and value == _PROBES[0])
    same = sql == sql_b and len(params) == len(params_b)
    same = same and all((a == b) != (i in unit_at) for i, (a, b) in enumerate(zip(params, params_b, strict=True)))
    if not same or not unit_at or any(params_b[i] != _PROBES[1] for i in unit_at):
        raise ValueError(f"{build.__qualname__}{args}: pernyataan SQL ini tidak bisa disimpan untuk dipakai ulang.")
    names = tuple(first.selected or (*first.extra_select, *first.values_select, *first.annotation_select))
    fields = [column[0] for column in compiler.select[: compiler.col_count]]
    converters = tuple(
        (i, tuple(convs), expression) for i, (convs, expression) in compiler.get_converters(fields).items()
    )
    params = tuple(None if i in unit_at else value for i, value in enumerate(params))
    return _Compiled(sql, params, unit_at, names, converters)


def compiled_values(build, unit_id, *args, using=DEFAULT_DB_ALIAS):
    """The rows of the values() queryset build(unit_id, *args), as dicts, its SQL compiled once per
    (build, args, database) and run with unit_id bound.

    `build` is a module-level function and `args` (hashable) everything the statement depends on
    besides the unit id (levels, month, a Q of constants): together they are the cache key, so
    nothing a caller forgets to name can be served stale. One query, as the queryset itself."""
    if build.__closure__ is not None or "<locals>" in build.__qualname__:
        raise ValueError("compiled_values: build harus fungsi tingkat modul, tanpa closure.")
    connection = connections[using]
    key = (using, connection.vendor, build.__module__, build.__qualname__, args)
    entry = _compiled.get(key)
    if entry is None:
        entry = _compile(build, args, connection)
        while len(_compiled) >= _COMPILED_MAX:
            _compiled.pop(next(iter(_compiled)), None)
        _compiled[key] = entry
    params = list(entry.params)
    for i in entry.unit_at:
        params[i] = unit_id
    with connection.cursor() as cursor:
        cursor.execute(entry.sql, params)
        rows = cursor.fetchall()
    if entry.converters:
        rows = [list(row) for row in rows]
        for row in rows:
            for i, convs, expression in entry.converters:
                for convert in convs:
                    row[i] = convert(row[i], expression, connection)
    return [dict(zip(entry.names, row, strict=True)) for row in rows]
