"""The kinds of background job: each app that owns a piece of long work registers it here from its
AppConfig.ready() (as it registers its exporters with documents), so this app never imports the apps
that use it, and a worker process, which runs django.setup() like the web process, knows every kind.

A kind is
    name      str   stored on the Job ("ekspor", "impor-warga")
    run       run(job, progress, out) -> str: does the work. out is a binary file to write the job's
              file into when writes_file, else None; progress(done, total) tells how far it is; the
              returned text is the short result shown to the user ("" for none). A failure the user
              should read is raised as JobFailed(message); any other exception is logged and the user
              reads a general message.
    allowed   allowed(user, job) -> bool: may this user (still) see the job and its file. Checked when
              the job runs and on every page of it, so a role revoked meanwhile closes the file.
    writes_file  bool
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

Progress = Callable[[int, int], None]


class JobFailed(Exception):
    """The work cannot be done, for a reason the user can act on (message in Bahasa Indonesia)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Kind:
    name: str
    run: Callable[[Any, Progress, BinaryIO | None], str]
    allowed: Callable[[Any, Any], bool]
    writes_file: bool = True


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    if KINDS.get(kind.name, kind) is not kind:
        raise RuntimeError(f"two job kinds named {kind.name!r}")
    KINDS[kind.name] = kind


def get_kind(name: str) -> Kind | None:
    return KINDS.get(name)
