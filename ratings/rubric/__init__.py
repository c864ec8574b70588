"""The rubric (测评标准): what a cycle is rated against.

services: check a rubric before a cycle uses it, copy it into the next version; data: the default
rubric; workbook*: the rubric as an .xlsx file (format, reading, checking, export, import).
Depends on the register and the rating's models only.
"""
