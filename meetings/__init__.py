"""Organisational life: 三会一课 and other meeting records, attendance and quorum, and compliance
with the committee's minimum frequencies.

Decisions worth knowing
- Meeting types and their minimum frequencies are per committee (seeded from meetings/defaults.py
  when a committee is created; edited in the admin). The edit window is MeetingSettings.
- Quorum (支部党员大会, 支委会): more than half of those entitled must be present. Entitled means
  full members (正式党员) only, because probationary members (预备党员) have no vote under the
  party constitution; for a 支委会 it means the branch committee (书记 and 支委委员). A record
  below quorum is saved, flagged and does not count toward compliance.
- Only the branch secretary records their own branch's meetings; committee staff read all of
  their committee; inspectors read the branches the rating assigned to them (the access policy,
  branches.access, learns them from the rating app; meetings does not import it).
- Periods are calendar periods in settings.TIME_ZONE; see meetings/compliance.py for the rules.
- Pages about a whole committee (heat map, rating dashboard) read a stored snapshot
  (meetings/snapshots.py), refreshed by a task when meetings change and nightly.

For the rating evidence link
- compliance.compliance_for_types(party_organization_id, year, codes) -> BranchCompliance
- compliance.compliance_summary(party_organization_ids, year) -> {id: BranchCompliance}
- compliance.committee_summary(committee_id, year) -> CommitteeSummary (live)
- snapshots.committee_summary_snapshot(committee_id, year) -> SnapshotSummary (stored)
- selectors.meetings_for_evidence(party_organization_id, year, codes) -> held meetings
- templates: meetings/_compliance_table.html (context `compliance`), or
  {% load meetings_tags %}{% compliance_table po_id year "committee_meeting,general_meeting" %}
"""
