import json
from unittest import mock

import pytest

from sheets_sync import auth

FAKE_CLIENT_SECRET = "GOCSPX-xxxxxxxxxxxxxxxxxxxxxxxxxxxx"
FAKE_API_KEY = "AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"


@pytest.fixture
def token_file(tmp_path):
    p = tmp_path / "token.json"
    p.write_text(json.dumps({
        "token": "ya29.fake-access-token",
        "refresh_token": "1//fake-refresh-token",
        "client_id": "1234567890-abc.apps.googleusercontent.com",
        "client_secret": FAKE_CLIENT_SECRET,
        "expiry": "2020-01-01T00:00:00Z",
    }))
    return p


def test_expired_token_is_refreshed(token_file):
    with mock.patch.object(auth, "_refresh", return_value="ya29.new-fake-token") as m:
        creds = auth.load(token_file)
    m.assert_called_once()
    assert creds.token == "ya29.new-fake-token"


def test_api_key_is_never_logged(caplog):
    auth.configure_maps(FAKE_API_KEY)
    assert FAKE_API_KEY not in caplog.text
