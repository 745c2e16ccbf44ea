"""What every download shares: the safe XLSX and PDF writers, the exporter contract with its registry
(filled by the apps in AppConfig.ready()), and the verification of delivered recap files."""
