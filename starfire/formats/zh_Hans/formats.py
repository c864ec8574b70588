# Chinese: the numeric date of GB/T 7408 in lists and forms, the written date in prose.
DATE_FORMAT = "Y年n月j日"  # 2026年12月1日
DATETIME_FORMAT = "Y年n月j日 H:i"
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-12-01
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "n月j日"  # 12月1日
YEAR_MONTH_FORMAT = "Y年n月"
