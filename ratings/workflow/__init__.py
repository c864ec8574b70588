"""The rating procedure of one cycle, from opening it to the panel's review.

edges: the submission's transition table and what every edge shares; cycle_setup, self_assessment,
precheck, onsite, panel: the services of each stage; levels and rules: the star levels they lead
to; review_data, meeting_evidence, selectors: reads; tasks: its notices and reminders; signals:
what it tells the stages above it (they connect to it, it imports none of them). Uses the rubric.
"""
