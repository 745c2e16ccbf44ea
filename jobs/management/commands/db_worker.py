"""manage.py db_worker: django-tasks-db's worker, with a heartbeat.

The same command and options as django_tasks_db's (this app stands before it in INSTALLED_APPS, so
this one answers to the name). Besides running tasks, the process writes its Pekerja row every
services.BEAT_EVERY from a small thread of the worker process (never of the web process): a job whose
worker stopped beating is shown as failed within a minute (services.checked), and /healthz says
whether any worker is alive."""

import threading

from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands import db_worker

from jobs import services


class Command(db_worker.Command):
    help = "Menjalankan pekerja latar (antrean tugas di basis data), dengan detak jantung untuk /healthz."

    def handle(self, *args, **options):
        # Never with the autoreloader: its parent process would beat without running a task, and a task
        # loop that died in the child would still look alive.
        if options.get("reload"):
            self.stderr.write("db_worker berjalan tanpa --reload (detak harus dari proses yang menjalankan tugas).")
        options["reload"] = False
        stop, started = threading.Event(), timezone.now()
        beating = threading.Thread(
            target=_beat_until, args=(options["worker_id"], started, stop), name="detak", daemon=True
        )
        services.beat(options["worker_id"], started)
        beating.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            beating.join(timeout=5)
            services.forget_worker(options["worker_id"])


def _beat_until(worker_id, started, stop):
    try:
        while not stop.wait(services.BEAT_EVERY.total_seconds()):
            try:
                close_old_connections()
                services.beat(worker_id, started)
            except Exception:  # a database hiccup: the next beat tries again; a long outage shows as dead
                services.logger.warning("pekerja %s: detak gagal ditulis", worker_id, exc_info=True)
    finally:
        connection.close()
