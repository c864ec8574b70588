"""Figures over the rating: the yearly tally, the results workbook, charts, and the digest and
tally tasks. May read every stage below it.
"""
