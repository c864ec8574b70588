from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from branches.access import CommitteeNotChosen


class CommitteeChoiceMiddleware:
    """A superuser who opens a committee's page before picking a committee is sent to the committee
    switcher, which brings them back (`next`) once they have picked one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, CommitteeNotChosen):
            return None
        url = reverse("committee-switch")
        if request.method in ("GET", "HEAD"):
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
