"""One module per grant_type, each an Authlib grant with our storage hooks filled in."""
