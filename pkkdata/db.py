"""Database helpers every app may use (a ground helper: imports nothing of ours)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


@contextmanager
def unique_or_message(field: str, message: str, *, column: str | None = None) -> Iterator[None]:
    """Run a write in a savepoint; when the database refuses it for the unique column (the same form
    posted twice at the same moment, or by two people: the check before the write saw nothing yet),
    raise ValidationError({field: message}) for the form instead of a 500. Other integrity errors pass."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        # SQLite names the table.column, PostgreSQL the constraint (<table>_<column>_key or a
        # constraint's own name): both contain the column's name.
        if (column or field) in str(exc):
            raise ValidationError({field: message}) from exc
        raise
