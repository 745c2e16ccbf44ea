"""The recapitulations 4.16a-4.19c at every level, their XLSX/PDF downloads (and the 4.18a's) and the
dashboard."""
