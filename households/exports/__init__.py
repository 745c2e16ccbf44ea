"""The household forms as downloads (the exporter contract: documents/exporters.py):

- Data Warga, Lampiran 4.14.1a ("DAFTAR WARGA TP PKK"): the 20 items, one row per member; for one
  rumah tangga, or for a whole dasawisma as one long table grouped by household (data_warga.py); and
  for a whole desa/kelurahan (XLSX only, streamed: kelurahan.py), or, when large, prepared in the
  background by the jobs app with its progress shown (the contract's write(), with progress).
- Catatan Keluarga, Lampiran 4.15: 19 columns, one row per member, one sheet (XLSX) or one page run
  (PDF) per household; columns 11-18 from households.catatan (catatan_keluarga.py).

Both layouts come from one description of the columns (common.py: the header cells, merged as on the
paper form, and the numbers row), used by the XLSX writer and the PDF templates alike. NIK and No. KK
are always masked: an export leaves the system, so it never carries a full number.

The modules, each importing only those above it: common.py < data_warga.py, catatan_keluarga.py <
kelurahan.py. This package holds EXPORTERS (registered by HouseholdsConfig.ready);
other names are imported from the module that holds them.
"""

from .catatan_keluarga import CatatanKeluargaExporter
from .data_warga import DataWargaExporter
from .kelurahan import DataWargaKelurahanExporter

EXPORTERS = [DataWargaExporter(), CatatanKeluargaExporter(), DataWargaKelurahanExporter()]
