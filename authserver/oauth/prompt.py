"""prompt, max_age (OIDC Core §3.1.2.1): whether the user must sign in (again) or approve."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .reply import RequestError
from .subject import SignedIn

#: prompt values we act on; select_account signs in again (there is one account per login)
PROMPT_VALUES = ("none", "login", "consent", "select_account")
_MAX_AGE = re.compile(r"[0-9]{1,10}")


@dataclass
class Prompt:
    none: bool
    consent: bool
    #: the user must type the password for this request: no session, prompt=login,
    #: max_age exceeded, or an id_token_hint naming someone else
    login_required: bool

    @classmethod
    def read(cls, params: dict, signed_in: SignedIn | None, now: int,
             resuming: bool = False) -> Prompt:
        """resuming: the login page has already run for this request, if one was needed."""
        values = set(params.get("prompt", "").split())
        if "none" in values and len(values) > 1:
            raise RequestError("invalid_request", "prompt=none cannot be combined with other "
                                                  "values")
        max_age = params.get("max_age")
        if max_age is not None and not _MAX_AGE.fullmatch(max_age):
            raise RequestError("invalid_request", "max_age must be a number of seconds")
        # whole seconds: an elapsed time equal to max_age already counts as exceeded
        too_old = max_age is not None and signed_in is not None \
            and now - signed_in.auth_time >= int(max_age)
        login = signed_in is None or bool(values & {"login", "select_account"}) or too_old
        return cls(none="none" in values, consent="consent" in values,
                   login_required=login and not resuming)

    def require_login(self) -> None:
        self.login_required = True

