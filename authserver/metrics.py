"""Prometheus metrics: what an operator watches (tokens, errors, reuse, login failures,
latency, key age), counted where each thing happens once.

Under gunicorn every worker is its own process: `authserver serve` calls
`multiprocess_dir()` around the whole server, so each worker writes its values to files in
one folder and a scrape of any worker sums them all (prometheus_client's multiprocess mode).
Elsewhere (tests, `flask run`) the app's own registry is served.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, has_app_context
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: request latency buckets (s): a token request takes a few ms, a password login ~50 ms
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: label values are bounded: any other method is counted as "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Metrics:
    """The app's metric objects, in a registry of its own (several apps live in a test run)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._children: dict[tuple, Counter | Histogram] = {}
        registry = self.registry
        self.tokens_issued = Counter(
            "authserver_tokens_issued", "Successful token responses (/token and /refresh).",
            ["grant", "client_type"], registry=registry)
        self.token_errors = Counter(
            "authserver_token_errors", "Token endpoint error answers, by OAuth error code.",
            ["grant", "error"], registry=registry)
        self.refresh_reuse = Counter(
            "authserver_refresh_reuse_detected",
            "Spent refresh tokens presented again: each revoked its whole family.",
            registry=registry)
        self.login_failures = Counter(
            "authserver_login_failures", "Failed email + password checks.", ["via"],
            registry=registry)
        self.request_seconds = Histogram(
            "authserver_request_duration_seconds", "Time to answer a request, per endpoint.",
            ["method", "endpoint"], buckets=BUCKETS, registry=registry)

    def child(self, metric: Counter | Histogram, *values: str) -> Counter | Histogram:
        """`metric.labels(*values)`, kept: prometheus_client validates the labels and takes a
        lock on every call, a few microseconds on every request. The label values are
        bounded (METHODS, URL rules, grant types, error codes), so the cache is too."""
        key = (metric, values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child

    def exposition(self, key_age: float | None) -> bytes:
        """The text format of every metric, summed over the workers under gunicorn."""
        registry = CollectorRegistry()
        if os.environ.get(MULTIPROC_ENV):
            MultiProcessCollector(registry)
        else:
            registry.register(self.registry)
        registry.register(_KeyAge(key_age))
        return generate_latest(registry)


class _KeyAge:
    """A value read at scrape time, so it is right whichever worker answers."""

    def __init__(self, age: float | None) -> None:
        self.age = age

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("authserver_signing_key_age_seconds",
                                   "Seconds since the key signing tokens now became active.")
        if self.age is not None:
            family.add_metric([], self.age)
        yield family


def init_app(app: Flask) -> None:
    app.extensions["authserver.metrics"] = Metrics()


def current() -> Metrics | None:
    return current_app.extensions.get("authserver.metrics") if has_app_context() else None


def count_event(event: str, fields: Mapping[str, object]) -> None:
    """Audit events that are also metrics (audit.py calls this for every event)."""
    if event not in ("refresh.reuse_detected", "login.failed") or (metrics := current()) is None:
        return
    if event == "refresh.reuse_detected":
        metrics.refresh_reuse.inc()
    else:
        metrics.child(metrics.login_failures, str(fields.get("via") or "unknown")).inc()


def count_token_response(grant: str, status: int, body: object, public: bool | None) -> None:
    """One token endpoint answer: issued (by grant and client type) or an error (by code)."""
    if (metrics := current()) is None:
        return
    if status == 200:
        client_type = "public" if public else "confidential"
        metrics.child(metrics.tokens_issued, grant, client_type).inc()
    else:
        error = body.get("error") if isinstance(body, dict) else None
        metrics.child(metrics.token_errors, grant, str(error or "unknown")).inc()


def observe_request(method: str, endpoint: str, seconds: float) -> None:
    if (metrics := current()) is None:
        return
    method = method if method in METHODS else "other"
    metrics.child(metrics.request_seconds, method, endpoint).observe(seconds)


@contextmanager
def multiprocess_dir() -> Iterator[Path]:
    """Around the whole server: metric values go to files in one folder shared by the workers.

    PROMETHEUS_MULTIPROC_DIR if the operator set it (emptied: values of an earlier run would be
    summed in), else a temporary folder, removed when the server (not a worker) exits.
    prometheus_client picks its value class when first imported, which happened before `serve`
    ran, so it is picked again here: enter this before the app, hence any metric, exists.
    """
    chosen = os.environ.get(MULTIPROC_ENV)
    folder = Path(chosen) if chosen else Path(tempfile.mkdtemp(prefix="authserver-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(folder)
    values.ValueClass = values.get_value_class()
    owner = os.getpid()
    try:
        yield folder
    finally:
        if not chosen and os.getpid() == owner:  # gunicorn workers leave through here too
            shutil.rmtree(folder, ignore_errors=True)
