"""The tree of areas and groups (provinsi .. dasawisma), accounts, roles and access: the one module that
decides who sees and does what (access.py). Imports only the ground helpers of pkkdata."""
