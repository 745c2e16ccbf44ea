"""Rumah tangga, keluarga and warga: Data Warga (Lampiran 4.14.1a/b), Data Keluarga (4.14.2a/b/c) and
Catatan Keluarga (4.15). Field names follow the forms; the numbered items are in the comments."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from hierarchy.models import Unit
from pkkdata import periods

sixteen_digits = RegexValidator(r"^[0-9]{16}$", "Harus tepat 16 angka.")


class MakananPokok(models.TextChoices):
    BERAS = "beras", "Beras"
    NON_BERAS = "non_beras", "Non beras"


class KriteriaRumah(models.TextChoices):
    SEHAT = "sehat", "Sehat layak huni"
    TIDAK_SEHAT = "tidak_sehat", "Tidak sehat layak huni"


class JenisKelamin(models.TextChoices):
    LAKI_LAKI = "L", "Laki-laki"
    PEREMPUAN = "P", "Perempuan"


class StatusPerkawinan(models.TextChoices):
    MENIKAH = "menikah", "Menikah"
    LAJANG = "lajang", "Lajang"
    JANDA = "janda", "Janda"
    DUDA = "duda", "Duda"


class StatusDalamKeluarga(models.TextChoices):
    KEPALA = "kepala", "Kepala Keluarga"
    ISTRI = "istri", "Istri"
    ANAK = "anak", "Anak"
    LAIN = "lain", "Anggota Keluarga lain"


class Agama(models.TextChoices):
    ISLAM = "islam", "Islam"
    KRISTEN = "kristen", "Kristen"
    KATOLIK = "katolik", "Katolik"
    HINDU = "hindu", "Hindu"
    BUDDHA = "buddha", "Buddha"
    KONGHUCU = "konghucu", "Konghucu"
    KEPERCAYAAN = "kepercayaan", "Kepercayaan"


class Pendidikan(models.TextChoices):
    BELUM_SEKOLAH = "belum_sekolah", "Tidak/belum sekolah"
    TIDAK_TAMAT_SD = "tidak_tamat_sd", "Tidak tamat SD"
    SD = "sd", "SD/MI"
    SMP = "smp", "SMP/sederajat"
    SMA = "sma", "SMA/sederajat"
    DIPLOMA = "diploma", "Diploma"
    S1 = "s1", "D4/S1"
    S2 = "s2", "S2"
    S3 = "s3", "S3"


class Pekerjaan(models.TextChoices):
    PETANI = "petani", "Petani"
    PEDAGANG = "pedagang", "Pedagang"
    SWASTA = "swasta", "Swasta"
    WIRAUSAHA = "wirausaha", "Wirausaha"
    PNS = "pns", "PNS"
    TNI_POLRI = "tni_polri", "TNI/Polri"
    PELAJAR = "pelajar", "Pelajar/Mahasiswa"
    IRT = "irt", "Ibu rumah tangga"
    TIDAK_BEKERJA = "tidak_bekerja", "Tidak bekerja"
    LAINNYA = "lainnya", "Lainnya"


class JenisKB(models.TextChoices):
    PIL = "pil", "Pil"
    SUNTIK = "suntik", "Suntik"
    IUD = "iud", "IUD"
    IMPLAN = "implan", "Implan"
    KONDOM = "kondom", "Kondom"
    MOW = "mow", "MOW"
    MOP = "mop", "MOP"
    LAINNYA = "lainnya", "Lainnya"


class KelompokBelajar(models.TextChoices):
    PAKET_A = "paket_a", "Paket A"
    PAKET_B = "paket_b", "Paket B"
    PAKET_C = "paket_c", "Paket C"
    KF = "kf", "KF (Keaksaraan Fungsional)"


class BerkebutuhanKhusus(models.TextChoices):
    TIDAK = "tidak", "Tidak"
    FISIK = "fisik", "Fisik"
    MENTAL = "mental", "Mental"
    LAINNYA = "lainnya", "Lainnya"


class StatusWarga(models.TextChoices):
    AKTIF = "aktif", "Aktif"
    PINDAH = "pindah", "Pindah"
    MENINGGAL = "meninggal", "Meninggal"


class Kegiatan(models.TextChoices):
    """The 7 fixed rows of Kegiatan Warga (4.14.1b)."""

    PANCASILA = "pancasila", "Penghayatan dan Pengamalan Pancasila"
    KERJA_BAKTI = "kerja_bakti", "Kerja Bakti"
    RUKUN_KEMATIAN = "rukun_kematian", "Rukun Kematian"
    KEAGAMAAN = "keagamaan", "Kegiatan Keagamaan"
    JIMPITAN = "jimpitan", "Jimpitan"
    ARISAN = "arisan", "Arisan"
    LAIN_LAIN = "lain_lain", "Lain-lain"


class KegiatanPKK(models.TextChoices):
    """Catatan Keluarga (4.15) columns 11-18, under KEGIATAN PKK YANG DIIKUTI."""

    PANCASILA = "pancasila", "Penghayatan dan Pengamalan Pancasila"
    GOTONG_ROYONG = "gotong_royong", "Gotong Royong"
    PENDIDIKAN = "pendidikan", "Pendidikan dan Keterampilan"
    KOPERASI = "koperasi", "Pengembangan Kehidupan Berkoperasi"
    PANGAN = "pangan", "Pangan"
    SANDANG = "sandang", "Sandang"
    KESEHATAN = "kesehatan", "Kesehatan"
    PERENCANAAN_SEHAT = "perencanaan_sehat", "Perencanaan Sehat"


class KategoriPekarangan(models.TextChoices):
    PETERNAKAN = "peternakan", "Peternakan"
    PERIKANAN = "perikanan", "Perikanan"
    WARUNG_HIDUP = "warung_hidup", "Warung Hidup"
    LUMBUNG_HIDUP = "lumbung_hidup", "Lumbung Hidup"
    TOGA = "toga", "TOGA"
    TANAMAN_KERAS = "tanaman_keras", "Tanaman Keras"
    TANAMAN_LAINNYA = "tanaman_lainnya", "Tanaman Lainnya"


class KategoriIndustri(models.TextChoices):
    PANGAN = "pangan", "Pangan"
    SANDANG = "sandang", "Sandang"
    JASA = "jasa", "Jasa"
    KONVEKSI = "konveksi", "Konveksi"
    LAIN_LAIN = "lain_lain", "Lain-lain"


class RumahTangga(models.Model):
    """A household (rumah tangga) in one dasawisma, headed by the kepala rumah tangga (KRT), with the
    Data Keluarga attributes (4.14.2a items 12-20 and the Rakernas X addition). Items 2-11 are counts
    of the members and are computed (households.selectors), never stored."""

    dasawisma = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="rumah_tangga",
        limit_choices_to={"level": "dasawisma"},
        verbose_name="dasawisma",
    )
    krt = models.ForeignKey(
        "Warga",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="kepala rumah tangga",
    )
    no_registrasi = models.CharField("no. registrasi", max_length=30, blank=True)
    alamat = models.CharField("alamat", max_length=255)
    # 12 makanan pokok sehari-hari
    makanan_pokok = models.CharField(
        "makanan pokok", max_length=10, choices=MakananPokok.choices, default=MakananPokok.BERAS
    )
    makanan_pokok_jenis = models.CharField("jenis makanan pokok non beras", max_length=100, blank=True)
    # 13 jamban keluarga
    punya_jamban = models.BooleanField("mempunyai jamban keluarga", default=True)
    jumlah_jamban = models.PositiveSmallIntegerField("jumlah jamban", default=1, validators=[MaxValueValidator(50)])
    # 14 sumber air keluarga (one or more)
    air_pdam = models.BooleanField("sumber air PDAM", default=False)
    air_sumur = models.BooleanField("sumber air sumur", default=False)
    air_sungai = models.BooleanField("sumber air sungai", default=False)
    air_lainnya = models.BooleanField("sumber air lainnya", default=False)
    air_lainnya_jenis = models.CharField("sumber air lainnya, sebutkan", max_length=100, blank=True)
    # 15-17
    punya_tempat_sampah = models.BooleanField("memiliki tempat pembuangan sampah", default=True)
    punya_spal = models.BooleanField("mempunyai SPAL", default=True)
    stiker_p4k = models.BooleanField("menempel stiker P4K", default=False)
    # Rakernas X
    punya_mck_septic = models.BooleanField("memiliki sarana MCK dan septic tank", default=True)
    # 18 kriteria rumah
    kriteria_rumah = models.CharField(
        "kriteria rumah", max_length=12, choices=KriteriaRumah.choices, default=KriteriaRumah.SEHAT
    )
    # 19-20
    aktivitas_up2k = models.BooleanField("aktivitas UP2K", default=False)
    jenis_usaha_up2k = models.CharField("jenis usaha UP2K", max_length=100, blank=True)
    kesehatan_lingkungan = models.BooleanField("aktivitas usaha kesehatan lingkungan", default=False)

    tanggal_keluar = models.DateField(
        "tidak lagi di dasawisma sejak", null=True, blank=True, help_text="Rumah tangga pindah atau bubar."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "rumah tangga"
        verbose_name_plural = "rumah tangga"
        indexes = [models.Index(fields=["dasawisma", "tanggal_keluar"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(punya_jamban=True) | Q(jumlah_jamban=0), name="rumah_tangga_jamban_consistent"
            ),
        ]

    def __str__(self):
        return f"Rumah tangga {self.krt.nama}" if self.krt_id and self.krt else f"Rumah tangga #{self.pk}"

    def get_absolute_url(self):
        return reverse("households:rumah_tangga_detail", args=[self.pk])

    def dasawisma_on(self, day):
        """The id of the dasawisma the household was in at the end of a day, from its change history (a
        move is written the day it is made): the latest state saved by then, else its first state (a
        household entered after the day was where it was first entered), else where it is now."""
        end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
        states = self.history.order_by("-history_date").values_list("dasawisma_id", flat=True)
        found = states.filter(history_date__lt=end).first()
        if found is None:
            found = self.history.order_by("history_date").values_list("dasawisma_id", flat=True).first()
        return found or self.dasawisma_id


def _stamp_dasawisma(event, warga, day):
    """An event is counted where it happened: the dasawisma of the person's household on its day
    (RumahTangga.dasawisma_on), stamped on the row once, so that a later move or regrouping never moves
    a past month's numbers (issue 10)."""
    if event.dasawisma_id is None:
        event.dasawisma_id = warga.keluarga.rumah_tangga.dasawisma_on(day)


class Keluarga(models.Model):
    """One Kartu Keluarga (No. KK) inside a rumah tangga."""

    rumah_tangga = models.ForeignKey(
        RumahTangga, on_delete=models.CASCADE, related_name="keluarga", verbose_name="rumah tangga"
    )
    no_kk = models.CharField("No. KK", max_length=16, unique=True, validators=[sixteen_digits])
    no_kk_dikonfirmasi = models.BooleanField(
        "No. KK dikonfirmasi sesuai kartu",
        default=False,
        help_text="Kode wilayah No. KK tidak dikenal tetapi sesuai kartu.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "keluarga"
        verbose_name_plural = "keluarga"

    def __str__(self):
        return f"KK {self.no_kk}"


class Warga(models.Model):
    """A member of a keluarga: the 20 items of Data Warga (4.14.1a), the 3 buta, berkebutuhan khusus,
    ibu menyusui, and a status so that people who leave stay in the history but drop out of counts."""

    keluarga = models.ForeignKey(Keluarga, on_delete=models.CASCADE, related_name="anggota", verbose_name="keluarga")
    no_registrasi = models.CharField("no. registrasi", max_length=30, blank=True)  # 1
    nik = models.CharField(  # 2
        "NIK", max_length=16, unique=True, null=True, blank=True, validators=[sixteen_digits]
    )
    nik_dikonfirmasi = models.BooleanField(
        "NIK dikonfirmasi sesuai KTP",
        default=False,
        help_text="NIK tidak cocok dengan tanggal lahir/jenis kelamin/kode wilayah, tetapi memang begitu di KTP.",
    )
    nama = models.CharField("nama", max_length=150)  # 3
    jabatan = models.CharField("jabatan", max_length=100, blank=True)  # 4
    jenis_kelamin = models.CharField("jenis kelamin", max_length=1, choices=JenisKelamin.choices)  # 5
    tempat_lahir = models.CharField("tempat lahir", max_length=100, blank=True)  # 6
    tanggal_lahir = models.DateField("tanggal lahir")  # 7
    status_perkawinan = models.CharField(  # 8
        "status perkawinan", max_length=10, choices=StatusPerkawinan.choices, default=StatusPerkawinan.LAJANG
    )
    status_dalam_keluarga = models.CharField(  # 9
        "status dalam keluarga", max_length=10, choices=StatusDalamKeluarga.choices
    )
    agama = models.CharField("agama", max_length=12, choices=Agama.choices)  # 10
    alamat = models.CharField(
        "alamat", max_length=255, blank=True, help_text="Kosongkan bila sama dengan rumah tangga."
    )
    pendidikan = models.CharField("pendidikan", max_length=16, choices=Pendidikan.choices)  # 12
    pekerjaan = models.CharField("pekerjaan", max_length=16, choices=Pekerjaan.choices)  # 13
    akseptor_kb = models.BooleanField("akseptor KB", default=False)  # 14
    jenis_kb = models.CharField("jenis KB", max_length=10, choices=JenisKB.choices, blank=True)
    aktif_posyandu = models.BooleanField("aktif dalam kegiatan posyandu", default=False)  # 15
    frekuensi_posyandu = models.PositiveSmallIntegerField(
        "frekuensi posyandu (kali per bulan)", null=True, blank=True, validators=[MaxValueValidator(31)]
    )
    ikut_bkb = models.BooleanField("mengikuti Bina Keluarga Balita (BKB)", default=False)  # 16
    punya_tabungan = models.BooleanField("memiliki tabungan", default=False)  # 17
    ikut_kelompok_belajar = models.BooleanField("mengikuti kelompok belajar", default=False)  # 18
    jenis_kelompok_belajar = models.CharField(
        "jenis kelompok belajar", max_length=8, choices=KelompokBelajar.choices, blank=True
    )
    ikut_paud = models.BooleanField("mengikuti PAUD/sejenis", default=False)  # 19
    ikut_koperasi = models.BooleanField("ikut dalam kegiatan koperasi", default=False)  # 20
    jenis_koperasi = models.CharField("jenis koperasi", max_length=100, blank=True)
    # For the recaps (not on the paper form): stored per person, counted.
    buta_baca = models.BooleanField("buta baca", default=False)
    buta_tulis = models.BooleanField("buta tulis", default=False)
    buta_hitung = models.BooleanField("buta hitung", default=False)
    berkebutuhan_khusus = models.CharField(
        "berkebutuhan khusus", max_length=8, choices=BerkebutuhanKhusus.choices, default=BerkebutuhanKhusus.TIDAK
    )
    ibu_menyusui = models.BooleanField("ibu menyusui", default=False)
    status = models.CharField("status", max_length=10, choices=StatusWarga.choices, default=StatusWarga.AKTIF)
    tanggal_status = models.DateField("tanggal pindah/meninggal", null=True, blank=True)
    keterangan = models.CharField("keterangan", max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "warga"
        verbose_name_plural = "warga"
        ordering = ["keluarga_id", "tanggal_lahir", "pk"]
        indexes = [models.Index(fields=["nama"]), models.Index(fields=["keluarga", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["keluarga"],
                condition=Q(status_dalam_keluarga="kepala", status="aktif"),
                name="one_active_kepala_per_keluarga",
            ),
            models.CheckConstraint(
                condition=Q(status="aktif") | Q(tanggal_status__isnull=False), name="warga_status_has_date"
            ),
        ]

    def __str__(self):
        return self.nama

    def get_absolute_url(self):
        return reverse("households:rumah_tangga_detail", args=[self.keluarga.rumah_tangga_id]) + f"#warga-{self.pk}"

    @property
    def is_active(self):
        return self.status == StatusWarga.AKTIF


class KegiatanWarga(models.Model):
    """Kegiatan Warga (4.14.1b): the 7 fixed rows per person, Aktivitas Y/T and Keterangan."""

    warga = models.ForeignKey(Warga, on_delete=models.CASCADE, related_name="kegiatan")
    kegiatan = models.CharField("kegiatan", max_length=16, choices=Kegiatan.choices)
    aktif = models.BooleanField("aktivitas", default=False)
    keterangan = models.CharField("keterangan (jenis kegiatan yang diikuti)", max_length=150, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "kegiatan warga"
        verbose_name_plural = "kegiatan warga"
        constraints = [models.UniqueConstraint(fields=["warga", "kegiatan"], name="kegiatan_warga_unique")]

    def __str__(self):
        return f"{self.warga} — {self.get_kegiatan_display()}"


class KoreksiKegiatanPKK(models.Model):
    """A hand correction of one Catatan Keluarga column (11-18) for one member and one year; where none
    exists, the column is derived from the member's data (households.catatan)."""

    warga = models.ForeignKey(Warga, on_delete=models.CASCADE, related_name="koreksi_kegiatan")
    tahun = models.PositiveSmallIntegerField(
        "tahun", validators=[MinValueValidator(periods.FIRST_YEAR), MaxValueValidator(periods.LAST_YEAR)]
    )
    kolom = models.CharField("kegiatan PKK", max_length=20, choices=KegiatanPKK.choices)
    diikuti = models.BooleanField("diikuti")
    keterangan = models.CharField("nama kegiatan", max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "koreksi catatan keluarga"
        verbose_name_plural = "koreksi catatan keluarga"
        constraints = [models.UniqueConstraint(fields=["warga", "tahun", "kolom"], name="koreksi_kegiatan_unique")]

    def __str__(self):
        return f"{self.warga} {self.tahun} — {self.get_kolom_display()}"


class PemanfaatanPekarangan(models.Model):
    """4.14.2b Pemanfaatan Tanah Pekarangan (HATINYA PKK)."""

    rumah_tangga = models.ForeignKey(RumahTangga, on_delete=models.CASCADE, related_name="pekarangan")
    kategori = models.CharField("kategori", max_length=16, choices=KategoriPekarangan.choices)
    komoditi = models.CharField("komoditi", max_length=100)
    jumlah = models.CharField("jumlah", max_length=50)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "pemanfaatan tanah pekarangan"
        verbose_name_plural = "pemanfaatan tanah pekarangan"

    def __str__(self):
        return f"{self.get_kategori_display()}: {self.komoditi}"


class IndustriRumahTangga(models.Model):
    """4.14.2c Industri Rumah Tangga."""

    rumah_tangga = models.ForeignKey(RumahTangga, on_delete=models.CASCADE, related_name="industri")
    kategori = models.CharField("kategori", max_length=10, choices=KategoriIndustri.choices)
    komoditi = models.CharField("komoditi", max_length=100)
    jumlah = models.CharField("jumlah (volume)", max_length=50)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "industri rumah tangga"
        verbose_name_plural = "industri rumah tangga"

    def __str__(self):
        return f"{self.get_kategori_display()}: {self.komoditi}"


class PendataanTahunan(models.Model):
    """The yearly check (pendataan tahunan): a rumah tangga confirmed as checked for a year."""

    rumah_tangga = models.ForeignKey(RumahTangga, on_delete=models.CASCADE, related_name="pendataan")
    tahun = models.PositiveSmallIntegerField("tahun")
    diperiksa_oleh = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    diperiksa_pada = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "pendataan tahunan"
        verbose_name_plural = "pendataan tahunan"
        constraints = [models.UniqueConstraint(fields=["rumah_tangga", "tahun"], name="pendataan_unique")]

    def __str__(self):
        return f"{self.rumah_tangga} — {self.tahun}"


class HasilKehamilan(models.TextChoices):
    MELAHIRKAN = "melahirkan", "Melahirkan"
    KEGUGURAN = "keguguran", "Keguguran"
    LAHIR_MATI = "lahir_mati", "Bayi lahir mati"
    IBU_MENINGGAL = "ibu_meninggal", "Ibu meninggal saat hamil"
    PINDAH = "pindah", "Ibu pindah / keluar dari dasawisma"
    NIFAS_LANJUTAN = "nifas_lanjutan", "Nifas berlanjut di dasawisma baru"


class Kehamilan(models.Model):
    """A pregnancy of a warga, recorded once: ibu hamil in each month it is ongoing (reports.events
    derives the monthly rows). It ends with a delivery (Kelahiran), a loss, or the mother's death."""

    ibu = models.ForeignKey(Warga, on_delete=models.PROTECT, related_name="kehamilan", verbose_name="ibu")
    tanggal_mulai = models.DateField("mulai hamil / pertama diketahui")
    perkiraan_lahir = models.DateField("hari perkiraan lahir (HPL)", null=True, blank=True)
    tanggal_selesai = models.DateField("tanggal berakhir", null=True, blank=True)
    hasil = models.CharField("hasil", max_length=14, choices=HasilKehamilan.choices, blank=True)
    dasawisma = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name="dasawisma tempat dihitung"
    )
    # Continued in this dasawisma after the household moved here mid-pregnancy (households.services.
    # rumah_tangga_move): it counts from the next month, the month of the move staying with the old one.
    lanjutan = models.BooleanField("lanjutan dari dasawisma lain", default=False, editable=False)
    # The day the household moved to another dasawisma while this pregnancy, or the nifas after it, ran:
    # the nifas months from then on count in the new dasawisma, on its continuation row (hasil
    # NIFAS_LANJUTAN, begun that day, ended on the day of delivery).
    pindah_pada = models.DateField("pindah dasawisma pada", null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = "kehamilan"
        verbose_name_plural = "kehamilan"
        indexes = [models.Index(fields=["tanggal_mulai", "tanggal_selesai"])]
        constraints = [
            # A woman has one pregnancy running at a time, whatever two requests do at once.
            models.UniqueConstraint(
                fields=["ibu"], condition=models.Q(tanggal_selesai__isnull=True), name="one_open_pregnancy_per_woman"
            )
        ]

    def __str__(self):
        return f"Kehamilan {self.ibu} sejak {self.tanggal_mulai:%d-%m-%Y}"

    def save(self, *args, **kwargs):
        _stamp_dasawisma(self, self.ibu, self.tanggal_mulai)
        super().save(*args, **kwargs)


class Kelahiran(models.Model):
    """A birth (persalinan/kelahiran, 4.18a columns 5-10): one row per baby (twins are two rows of the
    same mother and date). The baby is a new warga of the mother's keluarga."""

    ibu = models.ForeignKey(Warga, on_delete=models.PROTECT, related_name="persalinan", verbose_name="ibu")
    bayi = models.OneToOneField(Warga, on_delete=models.PROTECT, related_name="kelahiran", verbose_name="bayi")
    kehamilan = models.ForeignKey(Kehamilan, on_delete=models.SET_NULL, null=True, blank=True, related_name="kelahiran")
    tanggal = models.DateField("tanggal lahir")
    akte_kelahiran = models.BooleanField("akte kelahiran ada", default=False)
    tanpa_kehamilan_dikonfirmasi = models.BooleanField("dikonfirmasi walau kehamilan tidak tercatat", default=False)
    dasawisma = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name="dasawisma tempat dihitung"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = "kelahiran"
        verbose_name_plural = "kelahiran"
        indexes = [models.Index(fields=["tanggal"])]

    def __str__(self):
        return f"Kelahiran {self.bayi} ({self.tanggal:%d-%m-%Y})"

    def save(self, *args, **kwargs):
        _stamp_dasawisma(self, self.ibu, self.tanggal)
        super().save(*args, **kwargs)


class Kematian(models.Model):
    """A death (4.18a columns 11-16). Whether it is an ibu, bayi or balita death is derived from the
    dates (households.rules), never typed."""

    warga = models.OneToOneField(Warga, on_delete=models.PROTECT, related_name="kematian", verbose_name="warga")
    tanggal = models.DateField("tanggal meninggal")
    sebab = models.CharField("sebab meninggal", max_length=150)
    usia_dikonfirmasi = models.BooleanField("dikonfirmasi walau usia di atas 59 bulan", default=False)
    dasawisma = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name="dasawisma tempat dihitung"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = "kematian"
        verbose_name_plural = "kematian"
        indexes = [models.Index(fields=["tanggal"])]

    def __str__(self):
        return f"Kematian {self.warga} ({self.tanggal:%d-%m-%Y})"

    def save(self, *args, **kwargs):
        _stamp_dasawisma(self, self.warga, self.tanggal)
        super().save(*args, **kwargs)


class JenisAkses(models.TextChoices):
    BUKA = "buka", "dibuka"  # a masked number shown unmasked (services.nik_reveal)
    CEK = "cek", "cek"  # a typed number found registered outside the checker's area (services.NikLookups)


class SumberCek(models.TextChoices):
    FORMULIR = "formulir", "formulir"
    IMPOR = "impor", "impor"


class AksesNIK(models.Model):
    """Every reveal of a masked NIK or No. KK (jenis "buka"): who, when, whose. And every check of a
    typed NIK or No. KK that found it registered outside the checker's area (jenis "cek", from a form or
    an import: who, when, whose record, from where); households.services.NikLookups writes, dedups and
    limits those."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    warga = models.ForeignKey(Warga, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    keluarga = models.ForeignKey(Keluarga, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    field = models.CharField(max_length=8, choices=[("nik", "NIK"), ("no_kk", "No. KK")])
    at = models.DateTimeField(auto_now_add=True)
    jenis = models.CharField(max_length=4, choices=JenisAkses.choices, default=JenisAkses.BUKA)
    sumber = models.CharField(max_length=8, choices=SumberCek.choices, blank=True, default="")  # of a "cek"

    class Meta:
        verbose_name = "akses NIK"
        verbose_name_plural = "akses NIK"
        indexes = [models.Index(fields=["user", "jenis", "at"], name="aksesnik_user_jenis_at")]

    def __str__(self):
        verb = "membuka" if self.jenis == JenisAkses.BUKA else f"memeriksa (dari {self.sumber})"
        return f"{self.user} {verb} {self.get_field_display()} pada {self.at:%d-%m-%Y %H:%M}"
