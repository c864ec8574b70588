# English: day, month in words, year — unambiguous to readers on either side of the Atlantic.
DATE_FORMAT = "j F Y"  # 1 December 2026
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"  # 1 Dec 2026
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j M"  # 1 Dec
YEAR_MONTH_FORMAT = "F Y"
