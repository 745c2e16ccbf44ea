"""manage.py tutup_tahun [--tahun N]: close a finished year (recaps.closing)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from recaps.closing import close_year


class Command(BaseCommand):
    help = (
        "Menutup tahun: menyimpan keadaan setiap dasawisma per 31 Desember, sehingga rekap tahunan tahun itu "
        "tidak berubah lagi. Jalankan sekali pada awal Januari (bawaan: tahun lalu)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tahun", type=int, help="tahun yang ditutup (bawaan: tahun lalu)")

    def handle(self, *args, **options):
        this_year = timezone.localdate().year
        tahun = options["tahun"] or this_year - 1
        if tahun >= this_year:
            raise CommandError(f"Tahun {tahun} belum selesai: hanya tahun yang sudah lewat yang dapat ditutup.")
        taken = close_year(tahun)
        self.stdout.write(f"Tahun {tahun} ditutup: {taken} dasawisma dipotret per 31 Desember {tahun}.")
