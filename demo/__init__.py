"""Demo data for Kota Bontang (manage.py seed_demo): the tree and demo accounts, households with twelve
months of events, and monthly reports in every state. Generated, never real people."""
