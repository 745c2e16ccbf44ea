"""The example onboarding workbook (docs/examples/): the groups and cadres of one new kelurahan, with
generated names and phone numbers, as a TP PKK would fill onboarding's template. Deterministic for a
seed; no real person's data."""

import random

from faker import Faker

from onboarding.sheet import build_template

from .tree import DASAWISMA_NAMES, PHONE_PREFIXES

EXAMPLE_LABEL = "Kelurahan Bontang Kuala (contoh)"


def example_rows(*, seed=2026, rw=2, rt_per_rw=3, dasawisma_per_rt=3):
    """The rows (in onboarding.sheet.HEADERS order): the Ketua and the Sekretaris TP PKK of the kelurahan,
    and per RW its ketua, per RT its ketua, per dasawisma its ketua and one kader."""
    rng = random.Random(seed)
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    used_phones = set()

    def person():
        name = f"{fake.first_name_female()} {fake.last_name_female()}"
        while True:
            phone = "08" + rng.choice(PHONE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(8))
            if phone not in used_phones:
                used_phones.add(phone)
                return name, phone

    rows = []
    for role in ("Ketua TP PKK", "Sekretaris TP PKK"):
        name, phone = person()
        rows.append(["", "", "", "", "", name, phone, role, ""])
    flowers = iter(rng.sample(DASAWISMA_NAMES, len(DASAWISMA_NAMES)))
    rt_number = 0
    for rw_number in range(1, rw + 1):
        rw_code = f"{rw_number:02d}"
        name, phone = person()
        rows.append(["", rw_code, "", "", "", name, phone, "Ketua RW", ""])
        for _ in range(rt_per_rw):
            rt_number += 1
            rt_code = f"{rt_number:03d}"
            name, phone = person()
            rows.append(["", rw_code, rt_code, "", "", name, phone, "Ketua RT", ""])
            for index in range(1, dasawisma_per_rt + 1):
                try:
                    flower = next(flowers)
                except StopIteration:
                    flowers = iter(rng.sample(DASAWISMA_NAMES, len(DASAWISMA_NAMES)))
                    flower = next(flowers)
                dw_name = f"{flower} {rt_number}"
                for role in ("Ketua Dasawisma", "Kader"):
                    name, phone = person()
                    rows.append(["", rw_code, rt_code, f"DW{index:02d}", dw_name, name, phone, role, ""])
    return rows


def example_workbook(**kwargs):
    """The example workbook's bytes."""
    return build_template(EXAMPLE_LABEL, example_rows(**kwargs))
