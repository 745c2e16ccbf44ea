"""Small request helpers shared by the apps' views."""


def posted(request):
    """The POST data to bind a form with, or None on GET. (`request.POST or None` leaves a form
    unbound when a POST arrives empty, and then shows no errors.)"""
    return request.POST if request.method == "POST" else None


def errors_onto_form(exc, form):
    """Put a service's ValidationError onto the form (on its field when the form has one), so the page
    comes back with what was typed and the message where it belongs."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
