"""Getting a whole-cycle download the way staff do: start the background export, then download."""

from django.urls import reverse

from ratings.models import ExportJob


def export_file(client, cycle, kind: str, capture) -> bytes:
    """POST the export of `cycle` (the task runs in-process on commit), then the file's bytes."""
    with capture(execute=True):
        response = client.post(reverse("ratings:export-start", args=[cycle.pk, kind]))
    assert response.status_code == 302, response
    job = ExportJob.objects.filter(cycle=cycle, kind=kind).latest("pk")
    assert response["Location"] == reverse("ratings:export-job", args=[job.pk])
    assert job.state == ExportJob.State.DONE, job.error
    download = client.get(reverse("ratings:export-download", args=[job.pk]))
    assert download.status_code == 200
    return b"".join(download.streaming_content)
