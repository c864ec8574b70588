"""Award certificates: the verification link and its QR code, one certificate as HTML or PDF, and
every certificate of a cycle in one archive."""

import io
import zipfile
from collections.abc import Callable

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from branches.models import Committee

from ..models import Award, Cycle, level_name


def verification_url(award: Award, site_url: str) -> str:
    return site_url.rstrip("/") + reverse("ratings:verify", args=[award.token])


def qr_svg(url: str) -> str:
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=4, border=1, xmldecl=False, svgns=True)
    return buf.getvalue().decode()


def certificate_html(award: Award, *, site_url: str) -> str:
    url = verification_url(award, site_url)
    committee = Committee.objects.get(pk=award.cycle.committee_id)
    orgs = list(award.party_organization.organizations.values_list("name", flat=True))
    with translation.override("zh-hans"):  # the certificate is an official document: always Chinese
        return _render_certificate(award, committee, orgs, url)


def _render_certificate(award, committee, orgs, url) -> str:
    return render_to_string(
        "ratings/awards/certificate_pdf.html",
        {
            "award": award,
            "committee": committee,
            "orgs": orgs,
            "level_name": level_name(award.awarded_level),
            "stars": "★" * award.awarded_level,
            "qr": qr_svg(url),
            "url": url,
        },
    )


def certificate_pdf(award: Award, *, site_url: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=certificate_html(award, site_url=site_url)).write_pdf()


def certificates_zip(cycle: Cycle, *, site_url: str) -> bytes:
    """All certificates of a cycle, one PDF each, in one ZIP (in memory: for tests)."""
    buf = io.BytesIO()
    write_certificates_zip(cycle, buf, site_url=site_url)
    return buf.getvalue()


def write_certificates_zip(
    cycle: Cycle, out, *, site_url: str, progress: Callable[[int], None] | None = None, every: int = 10
) -> int:
    """All certificates of a cycle, one PDF each, into the ZIP file object `out` (a temporary file
    for the background export): one certificate in memory at a time. `progress(certificates
    written)` every `every` certificates. Returns how many were written."""
    awards = (
        Award.objects.filter(cycle=cycle)
        .select_related("party_organization", "cycle")
        .order_by("seq")
        .iterator(chunk_size=100)
    )
    written = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for award in awards:
            zf.writestr(
                f"{award.seq:03d}-{award.party_organization.name}.pdf",
                certificate_pdf(award, site_url=site_url),
            )
            written += 1
            if progress is not None and written % every == 0:
                progress(written)
    if progress is not None:
        progress(written)
    return written
