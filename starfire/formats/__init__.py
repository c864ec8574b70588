"""The project's date formats per language (settings.FORMAT_MODULE_PATH), over Django's own.

Templates name a format, never a pattern: `{{ day|date:"SHORT_DATE_FORMAT" }}`, and Python uses
`core.dates.short_date`/`short_datetime`, so an English page shows "1 Dec 2026" and a Chinese one
"2026-12-01". Official documents (the certificate, the annual report) render in Chinese whatever
the interface language, and so take the Chinese formats.
"""
