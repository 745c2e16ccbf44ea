"""How long reading a 5,000-row Data Warga sheet takes in the paper form's layout (4.14.1a, importer/paper.py)
against the same rows in the import template, side by side, medians of --runs. The analysis and the write
after the reading are the same code for both (bench/import_kelurahan.py measures them).

    .venv/bin/python bench/import_paper_read.py [--rows 5000] [--runs 5]
"""

import argparse
import datetime
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pkkdata.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from openpyxl import Workbook  # noqa: E402

from households.importer.columns import HEADERS  # noqa: E402
from households.importer.read import read_dataset  # noqa: E402

PAPER = ["No. Registrasi", "NIK", "No. KK", "Nama", "Jabatan", "Jenis Kelamin", "Tempat Lahir", "Tanggal Lahir",
         "Status Perkawinan", "Status Dalam Keluarga", "Agama", "Alamat, Desa/Kelurahan", "Pendidikan", "Pekerjaan",
         "Akseptor KB", "Aktif dalam Kegiatan Posyandu", "Mengikuti Bina Keluarga Balita (BKB)", "Memiliki Tabungan",
         "Mengikuti Kelompok Belajar", "Mengikuti PAUD/ Sejenis", "Ikut dalam Kegiatan Koperasi"]  # fmt: skip


def person(i):
    born = datetime.date(1960 + i % 40, 1 + i % 12, 1 + i % 28)
    return {
        "nik": f"647402{born.day + 40:02d}{born:%m%y}{i % 10000:04d}",
        "kk": f"6474020103{15 + i % 5:02d}{i // 4 % 10000:04d}",
        "nama": f"Warga {i}",
        "born": born,
        "alamat": f"Jl. Kenari {i // 4}",
    }


def paper_book(rows):
    book = Workbook()
    sheet = book.active
    sheet.title = "Data Warga"
    sheet.append(["DAFTAR WARGA TP PKK"])
    sheet.append(["Dasa Wisma", None, None, "Melati 1"])
    sheet.append(PAPER)
    for i in range(rows):
        p = person(i)
        sheet.append(["", p["nik"], p["kk"], p["nama"], "", "Perempuan", "Bontang", p["born"], "Menikah", "Istri",
                      "Islam", p["alamat"] + ", Berbas Tengah", "SD/MI", "Petani", "Ya, Pil", "Ya, 2 kali/bulan",
                      "Tidak", "Ya", "Tidak", "Tidak", "Tidak"])  # fmt: skip
    return _bytes(book)


def template_book(rows):
    book = Workbook()
    sheet = book.active
    sheet.title = "Data Warga"
    sheet.append(HEADERS)
    index = {h: n for n, h in enumerate(HEADERS)}
    for i in range(rows):
        p = person(i)
        values = [None] * len(HEADERS)
        for header, value in {
            "NIK": p["nik"], "No. KK": p["kk"], "Nama": p["nama"], "Jenis Kelamin (L/P)": "P",
            "Tempat Lahir": "Bontang", "Tanggal Lahir": p["born"], "Status Perkawinan": "Menikah",
            "Status Dalam Keluarga": "Istri", "Agama": "Islam", "Alamat": p["alamat"], "Pendidikan": "SD/MI",
            "Pekerjaan": "Petani", "Akseptor KB": "Ya", "Jenis KB": "Pil", "Aktif Posyandu": "Ya",
            "Frekuensi Posyandu (kali/bulan)": 2, "Ikut BKB": "Tidak", "Memiliki Tabungan": "Ya",
            "Ikut Kelompok Belajar": "Tidak", "Ikut PAUD": "Tidak", "Ikut Koperasi": "Tidak",
        }.items():  # fmt: skip
            values[index[header]] = value
        sheet.append(values)
    return _bytes(book)


def _bytes(book):
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    files = {"4.14.1a": paper_book(args.rows), "templat": template_book(args.rows)}
    times = {name: [] for name in files}
    for _ in range(args.runs):
        for name, data in files.items():  # side by side, alternating
            start = time.perf_counter()
            dataset = read_dataset(data, "x.xlsx")
            times[name].append(time.perf_counter() - start)
            assert len(dataset) == args.rows
    for name, values in times.items():
        print(f"{name:8} {args.rows} baris: median {statistics.median(values):.2f} s ({len(files[name]) // 1024} KB)")
    ratio = statistics.median(times["4.14.1a"]) / statistics.median(times["templat"])
    print(f"4.14.1a / templat: {ratio:.2f}")


if __name__ == "__main__":
    main()
