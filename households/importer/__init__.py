"""Excel import of Data Warga and Data Keluarga (Lampiran 4.14.1a and 4.14.2a) for one dasawisma, or for
many dasawisma of one kelurahan in one workbook (kelurahan.py: each row finds its dasawisma, the rows
are split by dasawisma and each part goes through the flow below).

One sheet, one row per warga; the keluarga's No. KK and the rumah tangga's columns are repeated on
every row of its members. The flow: download the template of the dasawisma (template.build_template),
fill it, upload it (read.read_dataset refuses a bad file; uploads keeps it until the confirm), look at
the preview (analyse.analyse: every row with its problems, nothing written), confirm (write.commit:
the same analysis again on fresh data, then every write in one transaction).

How rows become households (the rule is also printed on the template's "Petunjuk" sheet):
- rows with the same No. KK are one keluarga;
- keluarga with the same No. Registrasi RT are one rumah tangga; a keluarga whose No. Registrasi RT is
  empty joins the rumah tangga with the same Alamat (letter case and extra spaces ignored);
- the rumah tangga columns need to be filled on one row of the household only: empty cells take the
  value from the other rows, and two different filled values are an error;
- an existing warga is found by NIK (a warga without NIK by name and birth date inside his existing
  keluarga), an existing keluarga by No. KK, an existing rumah tangga through its keluarga or else by
  the same No. Registrasi RT/Alamat in this dasawisma. Found records are updated, never duplicated;
  records that did not change are not saved at all (no history row). Nothing is deleted: people
  missing from the file stay as they are (leaving is recorded on the warga page).

Design choice: django-import-export reads, the checks mirror households.services, the writes are bulk
(each module's docstring tells its part). The modules, each importing only those above it:
- columns.py: the sheet's columns (headers, widgets that clean one cell, dropdowns) and its limits;
- read.py: the uploaded workbook into a tablib Dataset (refusing a bad file), and one row into values;
- analyse.py: every row checked against the rules and the database: the preview;
- write.py: the confirm, the analysis again and every write in bulk in one transaction;
- template.py: the downloadable templates, of a dasawisma and of a kelurahan (uses columns.py only);
- uploads.py: the uploaded file kept between preview and confirm (stands alone);
- kelurahan.py: a kelurahan file: rows placed in their dasawisma, analysed per dasawisma and across
  them, committed dasawisma by dasawisma;
- job.py: the confirms committed by the background worker (a large dasawisma file, every kelurahan file).
The paper form's own layout (the 4.14.1a export of households.exports) is not read: the import reads
its template's layout only.
Callers import from the module that holds a name; this package re-exports nothing.
"""
