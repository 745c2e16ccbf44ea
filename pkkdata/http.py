"""Small request helpers shared by the apps' views."""


def posted(request):
    """The POST data to bind a form with, or None on GET. (`request.POST or None` leaves a form
    unbound when a POST arrives empty, and then shows no errors.)"""
    return request.POST if request.method == "POST" else None
