"""Handing new accounts over to their owners: one slip per account with the application's address, the
username and the one-time password, and a WhatsApp link (wa.me) carrying the same text to the phone
number on the account. Built from the passwords the services return once (account_invite,
account_reset_one_time); nothing here is stored: the page that shows them is the only copy, printed as
A4 slips to cut (templates/hierarchy/handover.html)."""

from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse


@dataclass(frozen=True)
class Slip:
    name: str
    username: str
    password: str
    phone: str
    role: str
    unit: str
    wa_link: str


def message(*, name, username, password, address):
    return (
        f"Halo {name}, ini akun Sistem Data PKK Anda.\n"
        f"Alamat: {address}\n"
        f"Nama pengguna: {username}\n"
        f"Kata sandi sekali pakai: {password}\n"
        "Saat pertama masuk Anda diminta membuat kata sandi sendiri. Jangan bagikan kata sandi kepada siapa pun."
    )


def slip(*, user, password, role, unit, address):
    """The slip of one account (user: hierarchy.models.User; role, unit: labels)."""
    text = message(name=user.display_name, username=user.username, password=password, address=address)
    number = user.wa_number
    wa_link = f"https://wa.me/{number}?text={quote(text)}" if number else ""
    return Slip(
        name=user.display_name,
        username=user.username,
        password=password,
        phone=user.phone,
        role=role,
        unit=unit,
        wa_link=wa_link,
    )


def login_address(request):
    """The address a new user types: this server's login page."""
    return request.build_absolute_uri(reverse("login"))
