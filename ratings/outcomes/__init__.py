"""What follows the review: 公示 (publication), objections, awards with their certificates and
plaques, rectification, downgrade and revocation, and their notices. Uses the workflow and the
rubric; nothing below imports it.
"""
