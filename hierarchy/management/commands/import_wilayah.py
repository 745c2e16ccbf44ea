"""python manage.py import_wilayah [--kode KODE ...] [--dir PATH] [--dry-run]

Loads the official areas (provinsi, kabupaten/kota, kecamatan, desa/kelurahan) from the CSV files of
data/wilayah; the work is done by hierarchy.wilayah.import_wilayah."""

from django.core.management.base import BaseCommand, CommandError

from hierarchy.wilayah import WilayahImportError, default_data_dir, import_wilayah


class Command(BaseCommand):
    help = (
        "Memuat kode wilayah resmi Kemendagri (provinsi, kabupaten/kota, kecamatan, desa/kelurahan) dari "
        "berkas CSV. Aman dijalankan ulang: yang sudah ada tidak dibuat lagi, nama yang berubah diperbarui."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--kode",
            action="append",
            dest="kode",
            metavar="KODE",
            help="Hanya wilayah ini, semua di bawahnya dan induk-induknya, mis. 64.74. Boleh diulang atau "
            "dipisah koma (64.74,64.72).",
        )
        parser.add_argument(
            "--dir",
            dest="data_dir",
            metavar="PATH",
            help=f"Folder berkas CSV (bawaan: {default_data_dir()}).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            dest="dry_run",
            help="Periksa dan hitung saja, tanpa menyimpan apa pun.",
        )

    def handle(self, *args, **options):
        try:
            import_wilayah(
                data_dir=options.get("data_dir"),
                kode=options.get("kode"),
                stdout=self.stdout if options.get("verbosity", 1) > 0 else None,
                dry_run=options.get("dry_run", False),
            )
        except WilayahImportError as exc:  # shown as "CommandError: ..." rather than the class name
            raise CommandError(str(exc)) from None
