"""Households: rumah tangga, keluarga, warga and their sheets (Data Warga, Data Keluarga, Catatan
Keluarga), the domain rules, entry, browse, import, the yearly check, household downloads and the
intervention lists. The event models live here too; recording events is the reports app's."""
