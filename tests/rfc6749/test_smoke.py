from tests.conftest import backends


@backends
def test_password_then_refresh_rotates(tokens, spa, alice):
    first = tokens.login(spa)
    assert first.status_code == 200, first.json
    second = tokens.refresh(spa, first.json["refresh_token"])
    assert second.status_code == 200, second.json
    assert second.json["refresh_token"] != first.json["refresh_token"]
