"""典型经验 case library: drafted and reviewed by staff, public once published (by indicator and
region, paginated, no personal data), and shown to the branches that lost points where it helps."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programme import cases as services
from programme.models import Case, CasePhoto
from tests import factories

pytestmark = pytest.mark.django_db
State = Case.State


def _indicator(finished, code):
    return finished.cycle.rubric.indicators().get(code=code)


def _case(finished, staff, *, code="1.1", po=None, title="三会一课规范化", publish=False):
    case = services.case_create(
        committee_id=finished.cycle.committee_id,
        party_organization=po or finished.five.party_organization,
        title=title,
        text="每月固定支委会，台账随会形成。",
        indicators=[_indicator(finished, code)],
        by=staff,
    )
    if publish:
        for edge in ("submit", "publish"):
            case = services.case_transition(case=case, edge=edge, by=staff)
    return case


def _to_state(case, state, staff):
    path = {
        State.DRAFT: [],
        State.IN_REVIEW: ["submit"],
        State.PUBLISHED: ["submit", "publish"],
        State.WITHDRAWN: ["submit", "publish", "withdraw"],
    }[state]
    for edge in path:
        case = services.case_transition(case=case, edge=edge, by=staff)
    return case


@pytest.mark.parametrize("state", State.values)
@pytest.mark.parametrize("edge", list(services.EDGES))
def test_every_edge_from_every_state(finished, staff_user, state, edge):
    case = _to_state(_case(finished, staff_user), state, staff_user)
    sources, target = services.EDGES[edge]
    if state in sources:
        case = services.case_transition(case=case, edge=edge, by=staff_user)
        assert case.state == target
        assert (case.published_at is not None) == (target == State.PUBLISHED or state == State.PUBLISHED)
    else:
        with pytest.raises(ValidationError):
            services.case_transition(case=case, edge=edge, by=staff_user)
        case.refresh_from_db()
        assert case.state == state


def test_only_the_committees_staff_write_cases(finished, staff_user, other_staff_user):
    secretary = factories.SecretaryUserFactory(party_organization=finished.five.party_organization)
    for user in (secretary, other_staff_user):
        with pytest.raises(PermissionDenied):
            _case(finished, user)
    case = _case(finished, staff_user)
    with pytest.raises(PermissionDenied):
        services.case_transition(case=case, edge="submit", by=other_staff_user)


def test_a_case_illustrates_its_committees_indicators_of_its_committees_branch(finished, staff_user):
    other = factories.make_rubric(factories.CommitteeFactory()).indicators().first()
    with pytest.raises(ValidationError) as exc:
        services.case_create(
            committee_id=finished.cycle.committee_id,
            party_organization=factories.PartyOrganizationFactory(),
            title=" ",
            text="",
            indicators=[other],
            by=staff_user,
        )
    assert {"title", "text", "party_organization", "indicators"} <= set(exc.value.message_dict)
    assert not Case.objects.exists()


def test_photos_are_checked_and_only_added_to_drafts(finished, staff_user):
    case = _case(finished, staff_user)
    fake = SimpleUploadedFile("photo.png", b"%PDF-1.4 not a picture", content_type="image/png")
    with pytest.raises(ValidationError):
        services.case_photo_add(case=case, upload=fake, by=staff_user)
    services.case_photo_add(case=case, upload=factories.png_upload(), by=staff_user)
    case = services.case_transition(case=case, edge="submit", by=staff_user)
    with pytest.raises(ValidationError):
        services.case_photo_add(case=case, upload=factories.png_upload(), by=staff_user)
    with pytest.raises(ValidationError):
        services.case_update(
            case=case,
            title="新",
            text="新",
            party_organization=case.party_organization,
            indicators=[],
            by=staff_user,
        )
    assert CasePhoto.objects.count() == 1


def test_the_public_library_by_indicator_and_region(finished, staff_user, client, committee):
    elsewhere = factories.PartyOrganizationFactory(
        committee=committee,
        organizations=[factories.SocialOrganizationFactory(committee=committee, division="510104")],
    )
    first = _case(finished, staff_user, code="1.1", publish=True, title="支委会规范")
    second = _case(finished, staff_user, code="2.1", po=elsewhere, publish=True, title="志愿服务")
    _case(finished, staff_user, code="1.1", title="尚未发布的草稿")
    url = reverse("programme:case-library")

    page = client.get(url).content.decode()
    assert first.title in page and second.title in page and "尚未发布的草稿" not in page
    assert staff_user.display_name not in page and staff_user.username not in page  # no personal data
    by_indicator = client.get(url, {"indicator": "2.1"}).content.decode()
    assert second.title in by_indicator and first.title not in by_indicator
    by_region = client.get(url, {"region": "510104"}).content.decode()
    assert second.title in by_region and first.title not in by_region
    assert client.get(reverse("programme:case-public", args=[first.pk])).status_code == 200


def test_the_library_takes_the_same_queries_for_more_cases(finished, staff_user, client):
    url = reverse("programme:case-library")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    case = _case(finished, staff_user, publish=True)
    services.case_photo_add(case=_case(finished, staff_user), upload=factories.png_upload(), by=staff_user)
    one = queries()
    for n in range(4):
        _case(finished, staff_user, code=("1.1", "1.2", "2.1")[n % 3], title=f"案例{n}", publish=True)
    assert queries() == one
    assert case.title in client.get(url).content.decode()


def test_a_branch_is_shown_the_cases_of_its_weakest_indicators(finished, staff_user, client):
    fits = _case(finished, staff_user, code="1.1", publish=True, title="支委会这样开")
    _case(finished, staff_user, code="2.1", publish=True, title="与失分无关的案例")
    weak = finished.none.party_organization  # lost 40 points on 1.1 and 10 on 1.2
    assert services.weakest_codes(weak.pk) == ["1.1", "1.2"]
    assert services.cases_for_branch(weak.pk, weak.committee_id) == [fits]

    client.force_login(factories.SecretaryUserFactory(party_organization=weak))
    home = client.get(reverse("home")).content.decode()
    assert "支委会这样开" in home and "与失分无关的案例" not in home


@pytest.mark.usefixtures("private_storage_backend")  # the photo in the local folder and in an S3 bucket
def test_staff_work_on_a_case_through_the_pages(finished, staff_user, client):
    client.force_login(staff_user)
    response = client.post(
        reverse("programme:case-create"),
        {
            "title": "党建引领行业自律",
            "party_organization": finished.four.party_organization.pk,
            "indicators": [_indicator(finished, "1.2").pk],
            "text": "做法一、做法二。",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    upload = client.post(
        reverse("programme:case-photo-add", args=[case.pk]), {"photo": factories.png_upload()}
    )
    assert upload.status_code == 302 and case.photos.count() == 1
    for edge in ("submit", "publish"):
        assert (
            client.post(reverse("programme:case-transition", args=[case.pk]), {"edge": edge}).status_code
            == 302
        )
    case.refresh_from_db()
    assert case.state == State.PUBLISHED
    photo = case.photos.get()
    client.logout()
    assert client.get(reverse("programme:case-photo", args=[photo.pk])).status_code == 200


def test_a_branch_is_not_shown_where_it_lost_points_before_the_results_are_out(committee, staff_user, client):
    from ratings.outcomes.publication import cycle_publish
    from tests.ratings.conftest import make_results_cycle

    results = make_results_cycle(committee, staff_user)  # reviewed, not yet 公示
    fits = _case(results, staff_user, code="1.1", publish=True, title="支委会这样开")
    weak = results.none.party_organization  # lost 40 points on 1.1 and 10 on 1.2
    assert services.weakest_codes(weak.pk) == []
    assert services.cases_for_branch(weak.pk, weak.committee_id) == []
    client.force_login(factories.SecretaryUserFactory(party_organization=weak))
    assert "支委会这样开" not in client.get(reverse("home")).content.decode()

    cycle_publish(cycle=results.cycle, by=staff_user)  # 公示: the results are out
    assert services.weakest_codes(weak.pk) == ["1.1", "1.2"]
    assert services.cases_for_branch(weak.pk, weak.committee_id) == [fits]
    assert "支委会这样开" in client.get(reverse("home")).content.decode()


def test_a_later_cycle_still_in_review_does_not_replace_the_published_result(
    finished, next_cycle, staff_user
):
    from tests.programme.conftest import review

    weak = finished.four.party_organization  # lost points on 1.1 only, in the final cycle
    review(next_cycle, weak, staff_user, {"1.1": 40, "1.2": 0})  # reviewed this year, not out yet
    assert services.weakest_codes(weak.pk) == ["1.1"]
