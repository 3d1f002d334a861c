"""No Flask session: authserver keeps nothing in it (the browser login has its own
server-side session, web/login_session.py), yet Flask opens one on every request, and
verifying its signed cookie cost a few percent of a client_credentials request.

Any write to `flask.session` fails loudly (Flask's NullSession), so nothing can start keeping
state in a cookie signed with the app's secret by accident.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import NullSession, SessionInterface


class NoSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> NullSession:
        return self.null_session_class()

    def save_session(self, app: Flask, session: NullSession, response: Response) -> None:
        """Nothing to save: a NullSession never holds anything."""


def init_app(app: Flask) -> None:
    app.session_interface = NoSessionInterface()
