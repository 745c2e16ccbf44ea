from pathlib import Path

from django.core.management.base import BaseCommand

from demo.onboarding import example_workbook


class Command(BaseCommand):
    help = "Tulis buku kerja contoh kelompok dan kader satu kelurahan (nama dan nomor HP buatan)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="docs/examples/kelompok-kader-contoh.xlsx")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, path, seed, **options):
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(example_workbook(seed=seed))
        self.stdout.write(f"Ditulis: {target}")
