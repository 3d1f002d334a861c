import requests


def test_server_answers_discovery(server):
    response = requests.get(f"{server.url}/.well-known/openid-configuration", timeout=5)
    assert response.status_code == 200
    assert response.json()["issuer"] == server.url
