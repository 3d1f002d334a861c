"""`python -m authserver` is the `authserver` command."""

from .cli import main

main()
