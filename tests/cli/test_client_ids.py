"""Generated client_ids are safe to pass as command-line arguments."""

import re


def test_generated_client_ids_never_look_like_options(make_client):
    ids = [make_client(f"client {n}").client_id for n in range(20)]
    assert all(re.fullmatch(r"[0-9a-f]{24}", client_id) for client_id in ids)
    assert len(set(ids)) == len(ids)
