"""All Authlib wiring: the authorization server, grants, tokens, claims and metadata."""
