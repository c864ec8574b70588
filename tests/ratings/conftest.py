"""Fixtures of the rating procedure: a small rubric, an open cycle, a submission, and a driver
that moves a submission through the real services (append-only; several test modules share it)."""

import datetime as dt

import pytest

from branches.models import Role, User
from ratings.models import Cycle, Status, Submission
from ratings.workflow import cycle_setup, onsite, panel, precheck, self_assessment
from tests import factories


@pytest.fixture
def rating_rubric(committee):
    """Three indicators (1.1 max 40 with evidence, 1.2 max 30 without, 2.1 max 30 with), bands 95/85/75/65/60."""
    return factories.make_rubric(committee)


@pytest.fixture
def rating_cycle(committee, staff_user, party_organization, rating_rubric):
    """An open cycle of `committee` (opened through cycle_open, so its rubric is frozen)."""
    cycle = factories.CycleFactory(committee=committee, rubric=rating_rubric, year=2024)
    return cycle_setup.cycle_open(cycle=cycle, by=staff_user)


@pytest.fixture
def rating_submission(rating_cycle, party_organization):
    """The draft submission of `party_organization` in `rating_cycle`."""
    return Submission.objects.get(cycle=rating_cycle, party_organization=party_organization)


@pytest.fixture
def rating_inspectors(committee):
    """Two inspectors of `committee` (the default minimum per submission)."""
    return [factories.InspectorUserFactory(committee=committee, username=f"inspector-{c}") for c in "ab"]


class RatingFlow:
    """Moves submissions along draft → submitted (→ returned) → accepted → inspected → reviewed
    through the real services, with the actor each edge needs."""

    def __init__(self, staff, inspectors):
        self.staff = staff
        self.inspectors = inspectors

    def secretary(self, submission) -> User:
        po = submission.party_organization
        user = User.objects.filter(role=Role.SECRETARY, party_organization=po).order_by("pk").first()
        return user or factories.SecretaryUserFactory(party_organization=po, username=f"secretary-{po.pk}")

    def indicators(self, submission):
        return list(submission.cycle.rubric.indicators())

    def fill(self, submission, scores=None):
        """Self-assess every indicator (`scores` by code, default full marks) and attach evidence
        where the rubric requires it."""
        by = self.secretary(submission)
        for ind in self.indicators(submission):
            score = (scores or {}).get(ind.code, ind.max_score)
            self_assessment.self_score_save(
                submission=submission, indicator_id=ind.pk, score=score, comment="自评说明", by=by
            )
            if ind.evidence_required:
                self_assessment.evidence_add(
                    submission=submission, indicator_id=ind.pk, upload=factories.png_upload(), by=by
                )

    def assign(self, submission, inspectors=None):
        return [
            onsite.inspector_assign(submission=submission, inspector=i, by=self.staff)
            for i in (inspectors or self.inspectors)
        ]

    def score(self, assignment, scores=None):
        """The assigned inspector scores every indicator (`scores` by code, default full marks)."""
        for ind in self.indicators(assignment.submission):
            onsite.inspection_score_save(
                assignment=assignment,
                indicator_id=ind.pk,
                score=(scores or {}).get(ind.code, ind.max_score),
                finding="现场查看",
                by=assignment.inspector,
            )

    def drive(self, submission, status, *, self_scores=None, inspector_scores=None) -> Submission:
        """Take a fresh draft to `status`. At ACCEPTED the first inspector has signed and the
        second has scored everything but not signed, so signing off completes the inspection.
        `inspector_scores`: one {code: score} per inspector."""
        inspector_scores = inspector_scores or [None] * len(self.inspectors)
        self.fill(submission, self_scores)
        if status == Status.DRAFT:
            return _fresh(submission)
        self_assessment.submission_submit(submission=submission, by=self.secretary(submission))
        if status == Status.RETURNED:
            precheck.submission_return(submission=submission, by=self.staff, reasons=[(None, "材料不全")])
        if status in (Status.SUBMITTED, Status.RETURNED):
            return _fresh(submission)
        precheck.submission_accept(submission=submission, by=self.staff)
        assignments = self.assign(submission)
        for assignment, scores in zip(assignments, inspector_scores, strict=True):
            self.score(assignment, scores)
        for assignment in assignments[:-1]:
            onsite.inspection_sign_off(assignment=assignment, by=assignment.inspector)
        if status == Status.ACCEPTED:
            return _fresh(submission)
        onsite.inspection_sign_off(assignment=assignments[-1], by=assignments[-1].inspector)
        if status == Status.INSPECTED:
            return _fresh(submission)
        panel.submission_review(submission=submission, by=self.staff)
        assert status == Status.REVIEWED, status
        return _fresh(submission)


def _fresh(submission):
    return Submission.objects.select_related("cycle__rubric", "party_organization").get(pk=submission.pk)


@pytest.fixture
def rating_flow(staff_user, rating_inspectors):
    return RatingFlow(staff_user, rating_inspectors)


# --- part 2: 公示, awards, rectification (appended) ----------------------------------------------


class ResultsCycle:
    """An open cycle with reviewed results at known levels (see the `results_cycle` fixture)."""

    def __init__(self, cycle, subs):
        self.cycle = cycle
        self.subs = subs

    def __getattr__(self, name):
        try:
            return self.__dict__["subs"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def refresh(self):
        self.cycle.refresh_from_db()
        for sub in self.subs.values():
            sub.refresh_from_db()
        return self


def make_results_cycle(committee, staff, *, year=None, rubric=None):
    """An open cycle of `committee` for `year` (default: last year, so that its awards are valid
    today), opened through cycle_open, whose branches are: `five` (total 100),
    `four` (90), `three` (80), `none` (50, no star), `vetoed` (100 with veto V1) — all reviewed —
    and `draft`, which never submitted. Levels are proposed by the real rules."""
    from django.utils import timezone

    from ratings.workflow.cycle_setup import cycle_exclusion_set, cycle_open
    from ratings.workflow.levels import cycle_recompute_levels

    year = year or timezone.localdate().year - 1
    rubric = rubric or factories.make_rubric(committee)
    names = {
        "five": "五星测试党支部",
        "four": "四星测试党支部",
        "three": "三星测试党支部",
        "none": "无星测试党支部",
        "vetoed": "否决测试党支部",
        "draft": "未提交测试党支部",
    }
    pos = {
        key: factories.PartyOrganizationFactory(committee=committee, name=f"{year}{name}", with_members=3)
        for key, name in names.items()
    }
    cycle = cycle_open(cycle=factories.CycleFactory(committee=committee, rubric=rubric, year=year), by=staff)
    scores = {
        "five": {},
        "four": {"1.1": 30},
        "three": {"1.1": 20},
        "none": {"1.1": 0, "1.2": 20},
        "vetoed": {},
    }
    subs = {
        key: factories.reviewed_submission(
            cycle, pos[key], by=staff, scores=scores[key], veto_code="V1" if key == "vetoed" else None
        )
        for key in scores
    }
    subs["draft"] = Submission.objects.get(cycle=cycle, party_organization=pos["draft"])
    cycle_recompute_levels(cycle_id=cycle.pk)
    # 公示 needs the self-assessment deadline past and every branch reviewed or left out with a
    # reason: the deadlines lie in the cycle's year and the branch that never submitted is left out.
    past = min(dt.datetime(year, 3, 31, 18, tzinfo=dt.UTC), timezone.now() - dt.timedelta(days=3))
    Cycle.objects.filter(pk=cycle.pk).update(
        self_assessment_deadline=past,
        inspection_deadline=past + dt.timedelta(days=1),
        review_deadline=past + dt.timedelta(days=2),
    )
    for sub in cycle.submissions.filter(status=Status.DRAFT).select_related("party_organization"):
        cycle_exclusion_set(
            cycle=cycle, party_organization=sub.party_organization, reason="未按时提交自评", by=staff
        )
    return ResultsCycle(cycle, subs).refresh()


@pytest.fixture
def results_cycle(committee, staff_user):
    """make_results_cycle() for `committee`: an open cycle of last year, five reviewed results and a draft."""
    return make_results_cycle(committee, staff_user)


def finalize_results(results, staff):
    """Publish `results` (a ResultsCycle) and make them final the day after the notice: awards."""
    import datetime as dt

    from ratings.outcomes.publication import cycle_publish, results_finalize

    cycle = cycle_publish(cycle=results.cycle, by=staff)
    results_finalize(cycle=cycle, by=staff, today=cycle.notice_ends_on + dt.timedelta(days=1))
    return results.refresh()


@pytest.fixture
def two_finished_cycles(committee, staff_user):
    """Two finished cycles of `committee` (two years and one year ago), each with 5 reviewed results
    of which 3 were named (five, four, three), all named today."""
    from django.utils import timezone

    year = timezone.localdate().year
    older = finalize_results(make_results_cycle(committee, staff_user, year=year - 2), staff_user)
    newer = make_results_cycle(committee, staff_user, year=year - 1, rubric=older.cycle.rubric)
    return older, finalize_results(newer, staff_user)
