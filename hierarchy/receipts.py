"""Each create form counts once (issue 11): the same form sent twice shows the first result.

A create form carries a key of its own (`kirim_id`, a fresh random one whenever the form is drawn:
the context processor below; the templates put it in a hidden field). The view is wrapped in
`@once_per_form`: a key already used by this user sends the person to the first result; else the
view runs in one transaction and, when it ends in a redirect (the create went through), the key is
written beside what it created. Two copies of the same form at the same moment: the second waits on the
key's unique row until the first commits, then everything it wrote is rolled back and it too is sent
to the first result. A form posted without a key (an old page, a script) runs as before.

The rows are small; old ones can be removed after a few weeks (a form is not retried that late)."""

import functools
import re
import uuid

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect

from .models import KirimanForm

FIELD = "kirim_id"
_KEY = re.compile(r"[0-9a-f]{32}")
ALREADY_SENT = "Formulir ini sudah terkirim sebelumnya dan tersimpan sekali saja: ini hasilnya."


class _SentMeanwhile(Exception):
    """The same form was saved by another request a moment ago: roll this one back."""


def key_of(request) -> str:
    """The form's key from the posted data, "" when absent or malformed."""
    key = request.POST.get(FIELD, "") if request.method == "POST" else ""
    return key if _KEY.fullmatch(key) else ""


def _first_result(request, key):
    return KirimanForm.objects.filter(user=request.user, kunci=key).values_list("alamat_hasil", flat=True).first()


def _told_already_sent(request, url):
    for _message in messages.get_messages(request):  # drop what the rolled-back attempt said
        pass
    messages.info(request, ALREADY_SENT)
    return redirect(url)


def once_per_form(view):
    """Run a create view once per form key (see the module)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        key = key_of(request)
        if not key or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        earlier = _first_result(request, key)
        if earlier:
            return _told_already_sent(request, earlier)
        try:
            with transaction.atomic():
                response = view(request, *args, **kwargs)
                if response.status_code in (301, 302, 303) and response.get("Location"):
                    try:
                        with transaction.atomic():
                            KirimanForm.objects.create(user=request.user, kunci=key, alamat_hasil=response["Location"])
                    except IntegrityError as exc:
                        raise _SentMeanwhile from exc
        except _SentMeanwhile:
            return _told_already_sent(request, _first_result(request, key) or response["Location"])
        return response

    return wrapper


def form_key(request):
    """Context processor: the key a form drawn on this page carries (the posted one when the form comes
    back with its errors, so that the corrected form is still the same form)."""
    if getattr(request, "user", None) is None or not request.user.is_authenticated:
        return {}
    return {FIELD: key_of(request) or uuid.uuid4().hex}
