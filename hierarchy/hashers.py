"""The hash of a one-time password.

A password a person chooses is guessable and is stretched by Django's default (PBKDF2, a million
rounds: about 0.25 s here). A one-time password is drawn at random (hierarchy.services.
new_one_time_password: 12 characters of a 31-letter alphabet, about 59 bits) and is replaced at the
first login: stretching it a million times buys nothing against guessing 2**59 values, and would make
the onboarding of a kelurahan (hundreds of accounts in one confirm) cost minutes. So it is hashed with
the same PBKDF2 and fewer rounds, under its own algorithm name. Django verifies it through
PASSWORD_HASHERS (it is listed after the default) and, as for any hash that is not the default's,
re-hashes it with the default at the first login; the password the owner then chooses is hashed with
the default too."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneTimePasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_sekali"
    iterations = 20_000
