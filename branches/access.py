"""The access policy of Starfire: who may see or do what, decided here and nowhere else.

One table, `POLICY`, grants each action to kinds of actors:

- ``STAFF``: committee staff, for rows of their own committee;
- ``SUPERUSER``: a superuser, for any committee (pages ask them to pick one: `acting_committee_id`);
- ``SECRETARY``: a branch secretary, for rows of their own party organisation;
- ``INSPECTOR``: an inspector, for rows of the party organisations assigned to them for inspection
  in their own committee (and, where the row knows its inspectors, only rows assigned to them);
- ``PROVINCE``: a user of the province's 两新工委, for rows of the committees a superuser assigned
  to them (`User.province_committees`). It holds read actions only: what it reads is limited to
  published results by the pages that grant ``province.view``.

The same table answers both questions the code asks:

- *may this user do this to this row?* — `can(user, action, target)` / `require(...)` (services,
  views, admin, exports), also exposed as `rules` permissions: ``user.has_perm("starfire.<action>", target)``;
- *which rows may this user see?* — `scope(user, action, paths)` / `scoped(qs, user, action, paths)`
  (selectors), a filter built from the very grants `can` reads.

The register is the ground floor, so this module knows committees, party organisations and
users, nothing of the rating. Inspection assignments live higher up: the rating app tells the
policy which party organisations an inspector is assigned to through
`register_assignment_source` (called from its AppConfig.ready), so no arrow points upwards.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

import rules
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Committee, Member, PartyOrganization, Role, SocialOrganization

# --- who -----------------------------------------------------------------------------------------

STAFF = "staff"
SUPERUSER = "superuser"
SECRETARY = "secretary"
INSPECTOR = "inspector"
PROVINCE = "province"

# --- what: action → the actors it is granted to ---------------------------------------------------
# Read it as a sentence: "register.view is granted to superusers, staff of the row's committee,
# the secretary of the row's party organisation"; inspectors reach a branch through the rating.
POLICY: dict[str, frozenset[str]] = {
    # the register (organisations, party organisations, members, instructors, coverage)
    "register.view": frozenset({SUPERUSER, STAFF, SECRETARY}),
    "register.manage": frozenset({SUPERUSER, STAFF}),
    # meetings (三会一课): the secretary records, everyone in scope reads
    "meetings.view": frozenset({SUPERUSER, STAFF, SECRETARY, INSPECTOR}),
    "meetings.record": frozenset({SECRETARY}),
    # the rating: committee work, a branch's self-assessment, an inspector's on-site acceptance
    "rating.manage": frozenset({SUPERUSER, STAFF}),
    "rating.view": frozenset({SUPERUSER, STAFF, SECRETARY, INSPECTOR}),
    "rating.self_assess": frozenset({SECRETARY}),
    "rating.inspect": frozenset({INSPECTOR}),
    # a follow-up visit during an award's validity: the inspector assigned to that check scores it
    "followup.score": frozenset({INSPECTOR}),
    # whole-cycle downloads built in the background (the job's committee only)
    "rating.export": frozenset({SUPERUSER, STAFF}),
    # outcomes a branch sees of itself (its award, its rectification items)
    "outcome.view": frozenset({SUPERUSER, STAFF, SECRETARY}),
    "outcome.respond": frozenset({SECRETARY}),
    # above the committees: the province's 两新工委 reads published results side by side
    "province.view": frozenset({SUPERUSER, PROVINCE}),
    # which committees a province user reads: a superuser decides
    "province.assign": frozenset({SUPERUSER}),
    # the programme around the score (牵手, 查找不足, 典型经验): staff run it, a branch sees its part
    # and records its own (joint activities, plan actions)
    "programme.manage": frozenset({SUPERUSER, STAFF}),
    "programme.view": frozenset({SUPERUSER, STAFF, SECRETARY}),
    "programme.record": frozenset({SECRETARY}),
}

DENIED_MESSAGES = {
    "register.manage": _("只有本综合党委工作人员可以进行此操作。"),
    "rating.manage": _("只有本综合党委工作人员可以进行此操作。"),
    "rating.export": _("只有本综合党委工作人员可以下载此文件。"),
    "rating.self_assess": _("只有本党组织的书记可以填报。"),
    "rating.inspect": _("只有分配到此项验收的验收人员可以进行此操作。"),
    "followup.score": _("只有分配到此项核查的验收人员可以评分。"),
    "meetings.record": _("只有本党组织的书记可以记录会议。"),
    "outcome.respond": _("只有本党组织的书记可以进行此操作。"),
    "programme.manage": _("只有本综合党委工作人员可以进行此操作。"),
    "programme.record": _("只有本党组织的书记可以进行此操作。"),
}
DEFAULT_DENIED = _("您没有权限进行此操作。")


# --- the target of an action --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What the policy needs to know of a row: its committee, the party organisation it belongs to
    (or several, for an organisation covered by more than one), and, for rows that have inspectors
    of their own (a submission), those inspectors' ids."""

    committee_id: int | None
    party_organization_id: int | None = None
    inspector_ids: frozenset[int] | None = None
    party_organization_ids: frozenset[int] = frozenset()

    @property
    def branches(self) -> frozenset[int]:
        if self.party_organization_id is None:
            return self.party_organization_ids
        return self.party_organization_ids | {self.party_organization_id}


def target_of(obj) -> Target:
    """A Target for a model instance (or a Target as is).

    A model may say how it reaches its committee and party organisation with `access_target()`;
    the register's rows and rows with `committee_id` / `party_organization_id` need nothing more.
    """
    if isinstance(obj, Target):
        return obj
    if hasattr(obj, "access_target"):
        return obj.access_target()
    if isinstance(obj, Committee):
        return Target(committee_id=obj.pk)
    if isinstance(obj, PartyOrganization):
        return Target(obj.committee_id, obj.pk)
    if isinstance(obj, SocialOrganization):
        ids = frozenset(obj.party_organizations.values_list("pk", flat=True)) if obj.pk else frozenset()
        return Target(committee_id=obj.committee_id, party_organization_ids=ids)
    if isinstance(obj, Member):
        return Target(obj.party_organization.committee_id, obj.party_organization_id)
    return Target(getattr(obj, "committee_id", None), getattr(obj, "party_organization_id", None))


# --- inspection assignments, supplied by the rating app -----------------------------------------

_assignment_sources: list[Callable] = []


def register_assignment_source(source: Callable) -> None:
    """`source(user)` returns a queryset of the party organisation ids `user` is assigned to inspect
    (a `values()` queryset, used as a subquery). Called once by an app above the register."""
    if source not in _assignment_sources:
        _assignment_sources.append(source)


def _is_assigned(user, target: Target) -> bool:
    if target.inspector_ids is not None:
        return user.pk in target.inspector_ids
    if not target.branches or not _assignment_sources:
        return False
    return (
        PartyOrganization.objects.filter(pk__in=target.branches).filter(pk__in=_subquery_ids(user)).exists()
    )


# --- the actor ----------------------------------------------------------------------------------


def actor_kind(user) -> str | None:
    """Which kind of actor `user` is, or None for the anonymous, inactive or unassigned."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return SUPERUSER
    if user.role == Role.STAFF and user.committee_id:
        return STAFF
    if user.role == Role.SECRETARY and user.party_organization_id:
        return SECRETARY
    if user.role == Role.INSPECTOR and user.committee_id:
        return INSPECTOR
    if user.role == Role.PROVINCE:
        return PROVINCE
    return None


def province_committee_ids(user) -> frozenset[int]:
    """The committees a province user reads (one query per user object, then remembered on it)."""
    cached = getattr(user, "_province_committee_ids", None)
    if cached is None:
        cached = frozenset(user.province_committees.values_list("pk", flat=True))
        user._province_committee_ids = cached
    return cached


def has_role_for(user, action: str) -> bool:
    """May `user`'s kind of actor do `action` at all (on some row)? Decides 403 before any lookup."""
    return actor_kind(user) in POLICY[action]


def can(user, action: str, target=None) -> bool:
    """May `user` do `action` to `target` (a model instance or a Target)?"""
    kind = actor_kind(user)
    if kind not in POLICY[action]:
        return False
    if kind == SUPERUSER:
        return True
    if target is None:
        return False
    t = target_of(target)
    if kind == STAFF:
        return t.committee_id is not None and t.committee_id == user.committee_id
    if kind == SECRETARY:
        return user.party_organization_id in t.branches
    if kind == INSPECTOR:
        return t.committee_id == user.committee_id and _is_assigned(user, t)
    if kind == PROVINCE:
        return t.committee_id is not None and t.committee_id in province_committee_ids(user)
    return False


def require(user, action: str, target=None) -> None:
    """Raise PermissionDenied (with the reason in words) unless `can(user, action, target)`."""
    if not can(user, action, target):
        raise PermissionDenied(DENIED_MESSAGES.get(action, DEFAULT_DENIED))


# --- scopes for querysets -------------------------------------------------------------------------


@dataclass(frozen=True)
class Paths:
    """How a model's rows reach what the policy looks at, as ORM lookups.

    committee: to the committee id (``"committee"``, ``"cycle__committee"``);
    party_organization: to the party organisation (None if the rows belong to no branch);
    inspector: to the inspector users of the row itself (``"assignments__inspector"``), when the
    row knows them; otherwise an inspector sees the rows of the branches assigned to them.
    """

    committee: str
    party_organization: str | None = None
    inspector: str | None = None


def scope(user, action: str, paths: Paths) -> Q | None:
    """The filter of the rows `user` may `action`; None when no row can be."""
    kind = actor_kind(user)
    if kind not in POLICY[action]:
        return None
    if kind == SUPERUSER:
        return Q()
    if kind == STAFF:
        return Q(**{paths.committee: user.committee_id})
    if kind == SECRETARY:
        if paths.party_organization is None:
            return None
        return Q(**{paths.party_organization: user.party_organization_id})
    if kind == INSPECTOR:
        own_committee = Q(**{paths.committee: user.committee_id})
        if paths.inspector is not None:
            return own_committee & Q(**{paths.inspector: user.pk})
        if paths.party_organization is None or not _assignment_sources:
            return None
        return own_committee & Q(**{f"{paths.party_organization}__in": _subquery_ids(user)})
    if kind == PROVINCE:
        return Q(**{f"{paths.committee}__in": user.province_committees.values("pk")})
    return None


def _subquery_ids(user):
    """The party organisation ids `user` is assigned to inspect, as one subquery."""
    qs = None
    for source in _assignment_sources:
        qs = source(user) if qs is None else qs.union(source(user))
    return qs


def scoped(qs: QuerySet, user, action: str, paths: Paths) -> QuerySet:
    """`qs` narrowed to what `user` may `action` (distinct where a to-many path could repeat rows)."""
    q = scope(user, action, paths)
    if q is None:
        return qs.none()
    qs = qs.filter(q)
    if actor_kind(user) == INSPECTOR and paths.inspector is not None:
        qs = qs.distinct()
    return qs


# --- the committee a page is about ------------------------------------------------------------------

SESSION_KEY = "acting_committee_id"


def acting_committee_id(request) -> int | None:
    """The committee whose pages `request.user` works in: staff and inspectors their own; a superuser
    the one they picked with the committee switcher (never a silent default); others none."""
    user = request.user
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        picked = request.session.get(SESSION_KEY)
        if picked and Committee.objects.filter(pk=picked).exists():
            return picked
        return None
    return user.committee_id


class CommitteeNotChosen(Exception):
    """A superuser opened a committee's page without picking a committee (the project's middleware
    sends them to the committee switcher)."""


def require_acting_committee(request) -> int:
    """`acting_committee_id`, or CommitteeNotChosen for a superuser who has not picked one yet
    (and PermissionDenied for anyone with no committee at all)."""
    committee_id = acting_committee_id(request)
    if committee_id is not None:
        return committee_id
    if request.user.is_authenticated and request.user.is_superuser:
        raise CommitteeNotChosen
    raise PermissionDenied(DEFAULT_DENIED)


def set_acting_committee(request, committee_id: int | None) -> None:
    """Only a superuser switches committee; the choice lives in their session."""
    if not request.user.is_superuser:
        raise PermissionDenied(DEFAULT_DENIED)
    if committee_id is None:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = int(committee_id)


# --- views --------------------------------------------------------------------------------------------


def role_required(*roles: str):
    """Logged in and holding one of `roles` (else 403); superusers pass where staff do."""
    kinds = set(roles)

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            kind = actor_kind(request.user)
            allowed = kind in kinds or (kind == SUPERUSER and Role.STAFF in kinds)
            if not allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = role_required(Role.STAFF)


# --- the same table as rules permissions ---------------------------------------------------------------


def _rules_predicate(action: str):
    @rules.predicate(name=f"may {action}")
    def predicate(user, target=None):
        return can(user, action, target)

    return predicate


def _register_rules(actions: Iterable[str]) -> None:
    for action in actions:
        rules.set_perm(f"starfire.{action}", _rules_predicate(action))


_register_rules(POLICY)
