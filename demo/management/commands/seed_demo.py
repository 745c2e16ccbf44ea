"""manage.py seed_demo: the demo data of Kota Bontang, or with --provinsi of all Kalimantan Timur (the logic
is in demo.seed and demo.province)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import tree as demo
from demo.seed import seed_demo
from hierarchy.levels import Level


class Command(BaseCommand):
    help = (
        "Membuat data demo Kota Bontang: wilayah resmi, RW/RT/dasawisma di setiap kelurahan dan akun demo "
        "untuk setiap peran. Dapat dijalankan berulang kali tanpa mengubah apa pun yang sudah ada."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help=f"Benih acak (bawaan {demo.DEFAULT_SEED})."
        )
        parser.add_argument(
            "--password",
            default=demo.DEFAULT_PASSWORD,
            help=f"Kata sandi semua akun demo (bawaan {demo.DEFAULT_PASSWORD}).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Tetap jalan walaupun DEBUG mati (bukan untuk server produksi)."
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=None,
            metavar="JUMLAH_RUMAH_TANGGA",
            help=(
                "Data sebesar satu kota untuk uji kecepatan: jumlah rumah tangga yang diinginkan (mis. 50000). "
                "Bila dasawisma yang ada menampung lebih sedikit (sekitar 15 rumah tangga per dasawisma), "
                "RT dan dasawisma ditambahkan di setiap kelurahan. Tanpa opsi ini: 10-20 rumah tangga di "
                "setiap dasawisma demo."
            ),
        )

        parser.add_argument(
            "--provinsi",
            action="store_true",
            help=(
                "Bersama --scale: seluruh Provinsi Kalimantan Timur (sepuluh kabupaten/kota, kode resmi) dengan "
                "sekitar JUMLAH_RUMAH_TANGGA rumah tangga, dibagi menurut jumlah penduduk; Kota Bontang dan akun "
                "demo seperti biasa. Ditulis per desa/kelurahan (mis. --scale 1000000 untuk uji kecepatan)."
            ),
        )

        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            metavar="N",
            help=(
                "Bersama --provinsi di PostgreSQL: jumlah proses yang menulis bersamaan, satu kabupaten/kota "
                "per proses (bawaan 2; 1 untuk satu proses saja)."
            ),
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo tidak dijalankan karena DEBUG mati, tanda bahwa ini server produksi. Perintah ini "
                "membuat akun demo dengan kata sandi yang diketahui semua orang dan data rekaan. "
                "Jalankan di mesin pengembangan (DEBUG=1), atau tambahkan --force bila Anda yakin "
                "basis data ini memang untuk demo."
            )
        if not options["password"]:
            raise CommandError("Kata sandi akun demo (--password) tidak boleh kosong.")
        if options["scale"] is not None and options["scale"] < 1:
            raise CommandError("--scale adalah jumlah rumah tangga yang diinginkan: isi bilangan bulat positif.")
        if options["workers"] is not None and options["workers"] < 1:
            raise CommandError("--workers adalah jumlah proses: isi bilangan bulat positif.")
        if options["provinsi"] and options["scale"] is None:
            raise CommandError("--provinsi memerlukan --scale: jumlah rumah tangga untuk seluruh provinsi.")
        try:
            result = seed_demo(
                seed=options["seed"],
                password=options["password"],
                stdout=self.stdout,
                scale=options["scale"],
                provinsi=options["provinsi"],
                workers=options["workers"],
            )
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from exc

        labels = {Level.RW: "RW", Level.RT: "RT", Level.DASAWISMA: "dasawisma"}
        created = ", ".join(f"{result.groups.created.get(lv, 0)} {label}" for lv, label in labels.items())
        existing = sum(result.groups.existing.values())
        self.stdout.write(
            f"Satuan demo di {result.kelurahan} kelurahan: dibuat {created}; {existing} sudah ada sebelumnya."
        )
        self.stdout.write("")
        self.stdout.write("Akun demo:")
        self.stdout.write(demo.format_logins(result.logins))
        self.stdout.write("")
        self.stdout.write(self.style.WARNING(demo.DEMO_NOTICE))
