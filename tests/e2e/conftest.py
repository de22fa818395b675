"""Browser fixtures (`browser`, `page`) come from tests/browser.py, loaded by tests/conftest.py."""
