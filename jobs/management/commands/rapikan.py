"""manage.py rapikan: the housekeeping steps (jobs.housekeeping), one line each. Run it from a timer
(deploy/pkkdata-rapikan.timer, hourly); it is safe to run at any time and any number of times."""

from django.core.management.base import BaseCommand

from jobs import housekeeping


class Command(BaseCommand):
    help = "Merapikan: sesi kedaluwarsa, pekerjaan latar dan berkas lama, unggahan impor basi, pengingat laporan."

    def handle(self, *args, **options):
        failed = False
        for name, summary in housekeeping.run_all():
            failed = failed or summary.startswith("GAGAL")
            self.stdout.write(f"{name}: {summary}")
        if failed:
            raise SystemExit(1)
