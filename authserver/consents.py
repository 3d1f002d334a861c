"""Remembered consents as users and operators manage them: withdrawing one also ends what
the client holds for the user (issue 3 §5), whether from the account page or the CLI."""

from __future__ import annotations

from .audit import audit
from .clock import clock
from .models import Consent, TokenFamily, User


def revoke_consent(user: User, client_id: str) -> int:
    """Forget the user's consent for the client and revoke the client's token families for
    the user (its refresh tokens and, through the family, its access tokens); returns how
    many families were revoked. The caller commits."""
    withdrawn = Consent.withdraw(user.id, client_id)
    revoked = TokenFamily.revoke_for_client(user.id, client_id, clock.now())
    if withdrawn or revoked:
        audit("consent.revoked", user=user.sub, client_id=client_id, families=revoked)
    return revoked
