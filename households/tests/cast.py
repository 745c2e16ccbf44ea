"""Households of the test cast (hierarchy/tests/cast.py). Every member on the Berbas Tengah side has
the surname Wijayakusuma and every member in Belimbing the surname Siregar, so that the URL-by-role
walk can tell when a page shows a person from outside the user's area.

    Melati 1 (dw):    hh_a  Hendra (kepala, 1985), Rina (istri, 1988, PUS), Dimas (2022, balita)
                      hh_b  Sumiati (kepala, 1950, janda, lansia, buta baca, berkebutuhan fisik;
                            house tidak sehat, no jamban)
    Melati 2 (dw_b):  hh_c  Bambang (kepala, 1979)
    Anggrek (dw2):    hh_x  Togar Siregar (kepala, 1980), Maria Siregar (istri, 1983)
"""

import datetime

from households.tests import factories as f


def add_households(c):
    d = datetime.date
    c.hh_a = f.rumah_tangga(c.dw, alamat="Jl. Melati 1 No. 2")
    kel_a = f.keluarga(c.hh_a)
    c.w_hendra = f.warga(kel_a, "Hendra Wijayakusuma", d(1985, 5, 10), "L", status_dalam_keluarga="kepala",
                         status_perkawinan="menikah")  # fmt: skip
    c.w_rina = f.warga(kel_a, "Rina Wijayakusuma", d(1988, 8, 17), "P", status_dalam_keluarga="istri",
                       status_perkawinan="menikah", ibu_menyusui=True)  # fmt: skip
    c.w_dimas = f.warga(kel_a, "Dimas Wijayakusuma", d(2022, 2, 1), "L")
    c.hh_a.krt = c.w_hendra
    c.hh_a.save()

    c.hh_b = f.rumah_tangga(c.dw, alamat="Jl. Melati 1 No. 9", kriteria_rumah="tidak_sehat", punya_jamban=False,
                            jumlah_jamban=0, air_pdam=False, air_sungai=True)  # fmt: skip
    c.w_sumiati = f.warga(f.keluarga(c.hh_b), "Sumiati Wijayakusuma", d(1950, 1, 20), "P",
                          status_dalam_keluarga="kepala", status_perkawinan="janda", buta_baca=True,
                          berkebutuhan_khusus="fisik")  # fmt: skip
    c.hh_b.krt = c.w_sumiati
    c.hh_b.save()

    c.hh_c = f.rumah_tangga(c.dw_b, alamat="Jl. Melati 2 No. 4")
    c.w_bambang = f.warga(f.keluarga(c.hh_c), "Bambang Wijayakusuma", d(1979, 11, 3), "L",
                          status_dalam_keluarga="kepala", status_perkawinan="menikah")  # fmt: skip
    c.hh_c.krt = c.w_bambang
    c.hh_c.save()

    c.hh_x = f.rumah_tangga(c.dw2, alamat="Jl. Anggrek 7")
    kel_x = f.keluarga(c.hh_x, no_kk=f.make_no_kk(area="647403"))
    c.w_togar = f.warga(kel_x, "Togar Siregar", d(1980, 4, 4), "L", status_dalam_keluarga="kepala",
                        status_perkawinan="menikah", nik=f.make_nik(d(1980, 4, 4), "L", area="647403"))  # fmt: skip
    c.w_maria = f.warga(kel_x, "Maria Siregar", d(1983, 6, 6), "P", status_dalam_keluarga="istri",
                        status_perkawinan="menikah", nik=f.make_nik(d(1983, 6, 6), "P", area="647403"))  # fmt: skip
    c.hh_x.krt = c.w_togar
    c.hh_x.save()
    return c
