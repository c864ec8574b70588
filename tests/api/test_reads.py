"""The read endpoints: scoped like the pages, filtered, ordered, paged, and a constant number of
queries per page whatever the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ratings.models import Submission
from ratings.workflow import cycle_setup
from tests import factories

pytestmark = pytest.mark.django_db


def _queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, {"page_size": 200})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


def _grow_register(committee, n):
    for _ in range(n):
        po = factories.PartyOrganizationFactory(committee=committee, with_members=3)
        factories.InstructorFactory(committee=committee, organizations=list(po.organizations.all()))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organizations/",
        "/api/v1/party-organizations/",
        "/api/v1/members/",
        "/api/v1/instructors/",
        "/api/v1/committees/",
    ],
)
def test_register_lists_take_the_same_queries_at_two_sizes(api, committee, staff_user, path):
    client = api(staff_user)
    client.get("/api/v1/committees/")  # the token's first use is recorded once, not per list
    _grow_register(committee, 2)
    small, body_small = _queries(client, path)
    _grow_register(committee, 8)
    large, body_large = _queries(client, path)
    assert body_large["count"] > body_small["count"] or path.endswith("committees/")
    assert small == large


def test_submission_and_inspection_lists_take_the_same_queries_at_two_sizes(
    api, committee, staff_user, rating_cycle, rating_flow, rating_inspectors
):
    def grow(n):
        for _ in range(n):
            po = factories.PartyOrganizationFactory(committee=committee)
            sub = Submission.objects.create(cycle=rating_cycle, party_organization=po)
            rating_flow.fill(sub)
            from ratings.workflow import precheck, self_assessment

            self_assessment.submission_submit(submission=sub, by=rating_flow.secretary(sub))
            precheck.submission_accept(submission=sub, by=staff_user)
            for assignment in rating_flow.assign(sub):
                rating_flow.score(assignment)

    grow(1)
    staff, inspector = api(staff_user), api(rating_inspectors[0])
    staff.get("/api/v1/committees/"), inspector.get("/api/v1/committees/")  # first use recorded
    small = [_queries(staff, "/api/v1/submissions/")[0], _queries(inspector, "/api/v1/inspections/")[0]]
    grow(4)
    large_sub, body = _queries(staff, "/api/v1/submissions/")
    large_insp, offline = _queries(inspector, "/api/v1/inspections/")
    assert [large_sub, large_insp] == small
    assert offline["count"] == 5
    first = offline["results"][0]
    assert len(first["indicators"]) == len(first["scores"]) == 3
    assert {"version", "score", "finding"} <= set(first["scores"][0])
    assert first["evidence"] and first["self_scores"]


def test_filters_and_ordering(api, committee, staff_user):
    for name in ("乙协会党支部", "甲协会党支部", "丙基金会党支部"):
        factories.PartyOrganizationFactory(committee=committee, name=name)
    client = api(staff_user)
    names = [
        r["name"]
        for r in client.get("/api/v1/party-organizations/", {"ordering": "-name", "name": "协会"}).json()[
            "results"
        ]
    ]
    assert names == sorted(names, reverse=True) and len(names) == 2
    assert client.get("/api/v1/party-organizations/", {"ordering": "nonsense"}).status_code == 200


def test_a_secretary_sees_the_self_scores_but_not_the_review_results(
    api, rating_flow, rating_submission, staff_user
):
    rating_flow.fill(rating_submission)
    secretary = rating_flow.secretary(rating_submission)
    mine = api(secretary).get(f"/api/v1/submissions/{rating_submission.pk}/").json()
    assert len(mine["self_scores"]) == 3 and mine["results"] is None
    theirs = api(staff_user).get(f"/api/v1/submissions/{rating_submission.pk}/").json()
    assert theirs["results"] is not None


def test_members_show_names_and_roles_only(api, staff_user, party_organization):
    row = api(staff_user).get("/api/v1/members/").json()["results"][0]
    assert set(row) == {"id", "party_organization", "name", "membership", "role"}


def test_the_public_results_are_what_the_public_page_lists(client, results_cycle_published):
    cycle = results_cycle_published
    from ratings.outcomes.publication import listed_results

    response = client.get(f"/api/v1/public/cycles/{cycle.pk}/results/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == list(listed_results(cycle).values_list("pk", flat=True))
    assert set(rows[0]) == {
        "id", "party_organization_name", "proposed_level", "proposed_level_name", "organizations",
        "adjusted_after_objection",
    }  # fmt: skip
    page = client.get(reverse("ratings:public-notice", args=[cycle.pk])).content.decode()
    assert all(r["party_organization_name"] in page for r in rows)


def test_a_secretary_self_assesses_from_the_api_alone(api, rating_flow, rating_submission):
    """A fresh draft gives the cycle; the cycle gives the rubric; the rubric gives the indicator
    ids the self scores are written to."""
    sub = rating_submission
    client = api(rating_flow.secretary(sub))
    mine = client.get(f"/api/v1/submissions/{sub.pk}/").json()
    assert mine["status"] == "draft" and mine["self_scores"] == []
    cycle = client.get(f"/api/v1/cycles/{mine['cycle']}/")
    assert cycle.status_code == 200, cycle.content
    rubric = client.get(f"/api/v1/rubrics/{cycle.json()['rubric']}/")
    assert rubric.status_code == 200, rubric.content
    ids = [i["id"] for c in rubric.json()["categories"] for i in c["indicators"]]
    assert ids == [i.pk for i in rating_flow.indicators(sub)]
    url = f"/api/v1/submissions/{sub.pk}/self-scores/{ids[0]}/"
    version = client.get(url).json()["version"]
    written = client.put(url, {"score": 10, "comment": "说明", "version": version}, format="json")
    assert written.status_code == 200, written.content
    assert [c["id"] for c in client.get("/api/v1/cycles/").json()["results"]] == [sub.cycle_id]
    assert [r["id"] for r in client.get("/api/v1/rubrics/").json()["results"]] == [sub.cycle.rubric_id]


def test_cycles_and_rubrics_of_others_stay_hidden(
    api, committee, staff_user, rating_cycle, rating_flow, rating_submission, rating_inspectors
):
    """Another committee's cycle and rubric, a rubric no cycle of theirs uses, and, for an
    inspector, a cycle none of whose submissions is assigned to them: 404 and not listed."""
    other = factories.CommitteeFactory(name="其他综合党委")
    other_staff = factories.StaffUserFactory(committee=other, username="other-staff")
    factories.PartyOrganizationFactory(committee=other)
    other_cycle = cycle_setup.cycle_open(
        cycle=factories.CycleFactory(committee=other, rubric=factories.make_rubric(other)), by=other_staff
    )
    unused = factories.make_rubric(committee)
    secretary = api(rating_flow.secretary(rating_submission))
    inspector = api(rating_inspectors[0])
    for client in (secretary, inspector):
        for path in (
            f"/api/v1/cycles/{other_cycle.pk}/",
            f"/api/v1/rubrics/{other_cycle.rubric_id}/",
            f"/api/v1/rubrics/{unused.pk}/",
        ):
            assert client.get(path).status_code == 404, path
    # Not assigned yet: the inspector sees neither the cycle nor its rubric.
    assert inspector.get(f"/api/v1/cycles/{rating_cycle.pk}/").status_code == 404
    assert inspector.get(f"/api/v1/rubrics/{rating_cycle.rubric_id}/").status_code == 404
    assert inspector.get("/api/v1/cycles/").json()["count"] == 0
    rating_flow.fill(rating_submission)
    from ratings.workflow import precheck, self_assessment

    self_assessment.submission_submit(
        submission=rating_submission, by=rating_flow.secretary(rating_submission)
    )
    precheck.submission_accept(submission=rating_submission, by=staff_user)
    rating_flow.assign(rating_submission)
    assert inspector.get(f"/api/v1/cycles/{rating_cycle.pk}/").status_code == 200
    assert inspector.get(f"/api/v1/rubrics/{rating_cycle.rubric_id}/").status_code == 200
    assert [c["id"] for c in inspector.get("/api/v1/cycles/").json()["results"]] == [rating_cycle.pk]
    # Staff still read every rubric version of their committee, an unused one too.
    assert api(staff_user).get(f"/api/v1/rubrics/{unused.pk}/").status_code == 200


def test_a_secretary_reads_their_result_once_published_as_their_history_page_shows_it(
    api, client, staff_user, results_cycle
):
    """Reviewed but not published: null, as the page's 尚未公布. Published (公示): the proposed level
    and the indicators' total, as the page; final: the final level. Never another branch's."""
    import datetime as dt
    from decimal import Decimal

    from ratings.models import FinalScore
    from ratings.outcomes.publication import cycle_publish, results_finalize

    four, three = results_cycle.four, results_cycle.three
    secretary = factories.SecretaryUserFactory(party_organization=four.party_organization, username="s4")
    mine = api(secretary)

    def result():
        detail = mine.get(f"/api/v1/submissions/{four.pk}/").json()["results"]
        listed = mine.get("/api/v1/submissions/").json()["results"]
        assert [r["id"] for r in listed] == [four.pk]  # only their own branch's
        assert listed[0]["results"] == detail
        return detail

    assert result() is None
    assert mine.get(f"/api/v1/submissions/{three.pk}/").status_code == 404

    cycle = cycle_publish(cycle=results_cycle.cycle, by=staff_user)
    four.refresh_from_db()
    published = result()
    total = sum(FinalScore.objects.filter(submission=four).values_list("score", flat=True), Decimal(0))
    assert published == {
        "indicator_total": float(total),
        "vetoed": False,
        "proposed_level": four.proposed_level,
        "final_level": None,
    }
    client.force_login(secretary)
    page = client.get(reverse("ratings:branch-history", args=[four.party_organization_id])).content.decode()
    assert f"建议：{four.proposed_level_name}" in page and str(total) in page
    # The other branch's secretary still gets nothing of it.
    other = factories.SecretaryUserFactory(party_organization=three.party_organization, username="s3")
    assert api(other).get(f"/api/v1/submissions/{four.pk}/").status_code == 404
    assert (
        api(other).get(f"/api/v1/submissions/{three.pk}/").json()["results"]["indicator_total"]
        != (published["indicator_total"])
    )

    results_finalize(cycle=cycle, by=staff_user, today=cycle.notice_ends_on + dt.timedelta(days=1))
    four.refresh_from_db()
    assert four.finalized_at is not None
    assert result()["final_level"] == four.final_level
    # Staff keep the review's full results.
    assert set(api(staff_user).get(f"/api/v1/submissions/{four.pk}/").json()["results"]) >= {
        "bonus_total",
        "total",
    }


# --- query counts of the other lists --------------------------------------------------------------


def _same_queries_at_two_sizes(clients, paths, grow):
    """Each client's list takes as many queries after `grow(8)` as after `grow(2)`, and lists more."""
    for client in clients:
        client.get("/api/v1/committees/")  # a token's first use is recorded once, not per list
    grow(2)
    small = [_queries(client, path) for client in clients for path in paths]
    grow(8)
    large = [_queries(client, path) for client in clients for path in paths]
    assert [n for n, _body in large] == [n for n, _body in small]
    assert all(b["count"] > a["count"] for (_n, a), (_m, b) in zip(small, large, strict=True))


def test_cycle_and_rubric_lists_take_the_same_queries_at_two_sizes(
    api, committee, staff_user, party_organization, secretary_user
):
    def grow(n):
        for _ in range(n):
            cycle_setup.cycle_open(cycle=factories.CycleFactory(committee=committee), by=staff_user)

    _same_queries_at_two_sizes(
        [api(staff_user), api(secretary_user)], ["/api/v1/cycles/", "/api/v1/rubrics/"], grow
    )


def test_award_list_takes_the_same_queries_at_two_sizes(api, committee, staff_user):
    from django.utils import timezone

    from tests.ratings.conftest import finalize_results, make_results_cycle

    years = iter(range(timezone.localdate().year - 1, 2000, -1))

    def grow(n):
        for _ in range(n // 2):  # three awards a cycle (five, four, three stars)
            finalize_results(make_results_cycle(committee, staff_user, year=next(years)), staff_user)

    _same_queries_at_two_sizes([api(staff_user)], ["/api/v1/awards/"], grow)


def test_tally_and_compliance_lists_take_the_same_queries_at_two_sizes(
    api, committee, staff_user, party_organization
):
    from django.utils import timezone

    from meetings.snapshots import committee_snapshot
    from ratings.models import TallySnapshot

    years = iter(range(2030, 2099))

    def grow(n):
        for _ in range(n):
            year = next(years)
            cycle = factories.CycleFactory(committee=committee, year=year)
            TallySnapshot.objects.create(cycle=cycle, computed_at=timezone.now(), data={"rows": []})
            committee_snapshot(committee.pk, year)

    _same_queries_at_two_sizes([api(staff_user)], ["/api/v1/tallies/", "/api/v1/compliance-snapshots/"], grow)


def test_public_lists_take_the_same_queries_at_two_sizes(api, committee, results_cycle_published):
    """Anonymous: the published cycles, and the lines of one cycle's 公示."""
    from ratings.models import Cycle, Status

    cycle = results_cycle_published
    years = iter(range(2030, 2099))

    def grow(n):
        for _ in range(n):
            factories.CycleFactory(committee=committee, year=next(years), status=Cycle.Status.PUBLISHED)
            po = factories.PartyOrganizationFactory(committee=committee)
            Submission.objects.create(
                cycle=cycle, party_organization=po, status=Status.REVIEWED, proposed_level=2, vetoed=False
            )

    _same_queries_at_two_sizes(
        [api()], ["/api/v1/public/cycles/", f"/api/v1/public/cycles/{cycle.pk}/results/"], grow
    )


def test_an_inspector_asks_for_the_visits_still_open(accepted, api, staff_user):
    """`?open=true`: not signed off and the submission accepted; a submission sent back to the
    preliminary check ends its visits (the offline copy drops what is not listed)."""
    from ratings.workflow import panel

    assignment = accepted[0]
    client = api(assignment.inspector)

    def ids(flag):
        response = client.get("/api/v1/inspections/", {"open": flag})
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("true") == [assignment.pk] and ids("false") == []
    panel.submission_reopen(submission=assignment.submission, by=staff_user, reason="材料需补充")
    assert ids("true") == [] and ids("false") == [assignment.pk]


def test_a_certificate_is_looked_up_as_on_the_public_verification_page(api, client, committee, staff_user):
    from ratings.models import Award
    from ratings.outcomes.awards import award_revoke
    from tests.ratings.conftest import finalize_results, make_results_cycle

    finalize_results(make_results_cycle(committee, staff_user), staff_user)
    award = Award.objects.select_related("party_organization").order_by("pk").first()
    anonymous = api()
    number = award.certificate_no
    answer = anonymous.get("/api/v1/public/certificates/", {"no": number})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["certificate_no"], body["party_organization_name"], body["level"], body["state"]) == (
        number,
        award.party_organization.name,
        award.level,
        award.public_state,
    )
    page = client.get(reverse("ratings:verify-lookup"), {"no": number}).content.decode()
    assert body["party_organization_name"] in page and body["state_label"] in page
    # spaces and ASCII brackets are forgiven, as on the page
    loose = " ".join(number.replace("〔", "[").replace("〕", "]"))
    assert anonymous.get("/api/v1/public/certificates/", {"no": loose}).json()["certificate_no"] == number

    award_revoke(award=award, grounds="other", reason="测试撤销", by=staff_user)
    assert anonymous.get("/api/v1/public/certificates/", {"no": number}).json()["state"] == "revoked"

    unknown = anonymous.get("/api/v1/public/certificates/", {"no": number + "9"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    missing = anonymous.get("/api/v1/public/certificates/")
    assert missing.status_code == 400 and "no" in missing.json()["errors"]
