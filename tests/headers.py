"""What every private file sent to a browser must carry (core.uploads.private_file_response)."""

from core.uploads import PRIVATE_FILE_CSP


def assert_private_file(response, *, inline: bool, name: str | None = None):
    """The file is sandboxed, never sniffed, never cached by a shared cache, and says how to show it."""
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == PRIVATE_FILE_CSP
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline" if inline else "attachment"), disposition
    if name is not None:
        assert "filename" in disposition
