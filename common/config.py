"""Every setting Realio reads, from ``REALIO_*`` environment variables (and an optional ``.env``).

This is the only module that reads the environment; everything else receives a ``Settings``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.network import DEFAULT_TRUSTED_PROXIES

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SUBGRAPH_PORTS = {
    "users": 4001,
    "properties": 4002,
    "search": 4003,
    "bookings": 4004,
    "messaging": 4005,
    "notifications": 4006,
    "recommendations": 4007,
}


# ``REALIO_WORKERS=auto``: the subgraphs nearly every request passes through get one worker per
# core, at most this many; the others one (decision 0041).
AUTO_MAX_WORKERS = 2
AUTO_SCALED_SUBGRAPHS = frozenset({"properties"})


class ServiceCredential(BaseModel):
    """One service's credential: the SHA-256 (hex) of its secret and the scopes it grants."""

    secret_sha256: str
    scopes: list[str] = Field(default_factory=list)


class Settings(BaseSettings):
    """Process-wide configuration. Field ``foo_bar`` is read from ``REALIO_FOO_BAR``."""

    model_config = SettingsConfigDict(env_prefix="REALIO_", env_file=".env", extra="ignore")

    environment: str = "development"
    log_level: str = "INFO"
    log_json: bool = True

    # Postgres server URL; each subgraph uses its own database ``<database_prefix><subgraph>``.
    database_url: str | None = None
    database_prefix: str = "realio_"
    database_pool_size: int = 10
    data_dir: Path = REPO_ROOT / ".data"

    redis_url: str | None = None
    redis_key_prefix: str = "realio:"
    smtp_url: str | None = None
    mail_from: str = "Realio <no-reply@realio.local>"
    # Queued mail (decision 0032): the relay's poll (retries, rows left by another process) and
    # how many failed attempts before a message is set aside as undeliverable.
    mail_relay_poll_seconds: float = 5.0
    mail_relay_max_attempts: int = 8
    # A relay that died mid-send leaves its rows to another process after this long.
    mail_relay_lease_seconds: float = 60.0
    s3_url: str | None = None
    kafka_url: str | None = None
    elasticsearch_url: str | None = None
    storage_dir: Path | None = None
    # Public base URL of uploaded files: the router's /files. A subgraph names its files
    # ``{public_files_url}/{subgraph}/{key}`` and the router proxies them to its /files route.
    public_files_url: str = "http://localhost:4000/files"

    # Tokens: users signs with the private key; everyone verifies with the JWKS.
    jwt_private_key_file: Path | None = None
    jwt_issuer: str = "https://realio.local/users"
    jwt_audience: str = "realio"
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    jwks_url: str = "http://localhost:4001/.well-known/jwks.json"
    # Revocation feed every verifier follows (decision 0017); empty turns following off.
    revocations_url: str = "http://localhost:4001/auth/revocations"
    revocation_poll_seconds: float = 1.0
    # Tokens are refused while the feed has gone unread this long (users unreachable).
    revocation_max_staleness_seconds: float = 60.0
    # Two tabs refreshing one token at once: the second, within this grace, gets the same pair.
    refresh_reuse_grace_seconds: float = 10.0
    # Other services' credentials by name (common/auth/service_credentials.py, decision 0027).
    service_credentials: dict[str, ServiceCredential] = Field(default_factory=dict)

    # argon2id parameters (RFC 9106 second recommended option, scaled for a 2-core box).
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 64 * 1024
    argon2_parallelism: int = 1
    password_hash_workers: int = 2

    otp_ttl_seconds: int = 600
    otp_max_attempts: int = 5
    otp_resend_interval_seconds: int = 60

    login_rate_limit: int = 10
    login_rate_window_seconds: int = 60
    # Wrong passwords from one address, whatever the emails (password spraying).
    login_ip_failure_limit: int = 20
    login_ip_failure_window_seconds: int = 300
    check_email_rate_limit: int = 20
    check_email_rate_window_seconds: int = 60
    # verifyUser and resendOtp, per client address like checkUserEmail.
    verify_rate_limit: int = 20
    verify_rate_window_seconds: int = 60
    resend_otp_rate_limit: int = 10
    resend_otp_rate_window_seconds: int = 60
    register_rate_limit: int = 10
    register_rate_window_seconds: int = 3600

    max_avatar_bytes: int = 5 * 1024 * 1024
    max_photo_bytes: int = 10 * 1024 * 1024

    # ``REALIO_SUBGRAPH_PORTS='{"users": 5001}'`` moves the named subgraphs; the rest keep theirs.
    subgraph_ports: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_SUBGRAPH_PORTS))
    router_port: int = 4000
    # Worker processes per subgraph (decision 0038): ``make run`` starts this many instances
    # of each subgraph, the router balancing across them; ``python -m subgraphs.<name>`` (the
    # compose command) starts this many when it is set, worker k on the port + 100 × k.
    # "auto": properties, on nearly every request's path, gets one per core, at most 2; the
    # other subgraphs one each (on two cores a second worker of every subgraph cost more than
    # it gave; decision 0041). Several need Redis (shared caches, rate limits and live
    # fan-out): without ``redis_url`` each subgraph runs one.
    # ``REALIO_SUBGRAPH_WORKERS='{"search": 1}'`` overrides it per subgraph.
    workers: int | Literal["auto"] = "auto"
    subgraph_workers: dict[str, int] = Field(default_factory=dict)
    # A subgraph process tunes Python's cyclic garbage collector once it has started
    # (common.gc_policy, decision 0040): startup's objects frozen, collections far fewer. Off
    # where one process builds many apps (the test suite), whose frozen objects would stay.
    gc_tuning: bool = True
    # Off in a subgraph's extra workers: the first one alone runs its event relay and
    # consumer groups (each holds Postgres connections of its own; one consumer per group
    # is active anyway), the others serve requests.
    run_event_loops: bool = True
    # Which of a subgraph's workers this process is (``python -m subgraphs.<name>`` sets it
    # in the workers it starts): worker k serves on the subgraph's port + 100 × k.
    worker_index: int = Field(default=0, ge=0)
    # Peers whose X-Forwarded-For is believed (load balancers in front of a subgraph served
    # without the router); none by default. Behind the router the client address comes signed.
    trusted_proxies: list[str] = Field(default_factory=lambda: list(DEFAULT_TRUSTED_PROXIES))
    # Shared with the router (REALIO_ROUTER_FORWARDING_SECRET): it signs the client address.
    forwarding_secret: str | None = None

    # Events: topic → producing subgraph, beyond the defaults (``realio.<subgraph>``).
    event_topic_producers: dict[str, str] = Field(default_factory=dict)

    # search: where the properties subgraph answers reconciliation, and how often it runs.
    properties_url: str | None = None
    search_reconcile_interval_seconds: float = 300.0
    # How often a reconciliation run is full rather than incremental (decision 0005).
    search_reconcile_full_interval_seconds: float = 24 * 3600.0

    # bookings: the zone of a listing whose coordinates give none (decision 0011), where its
    # calendar files are served, and how often the reminder/completion schedule is checked.
    bookings_default_time_zone: str = "America/New_York"
    bookings_public_url: str = "http://localhost:4004"
    bookings_schedule_interval_seconds: float = 30.0

    # notifications: delivery channels and preferences (decisions 0024, 0025).
    # SMS: "console" (log) or "twilio" (Twilio's Messages API with the three settings below;
    # the sender is a phone number or a Messaging Service SID, MG…).
    sms_provider: str = "console"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    # Push: "console" (log) or "fcm" (Firebase Cloud Messaging HTTP v1, authorised with the
    # service account's JSON key file).
    push_provider: str = "console"
    fcm_service_account_file: Path | None = None
    fcm_api_url: str = "https://fcm.googleapis.com"
    # The dispatcher's pass interval (it also wakes when a notification is written); 0 stops
    # the loop (tests drive passes themselves). Retries back off from the base, doubling.
    notifications_dispatch_interval_seconds: float = 5.0
    notifications_dispatch_concurrency: int = 10
    notifications_max_attempts: int = 5
    notifications_retry_base_seconds: float = 30.0
    # Per-user send limits of email, SMS and push in a fixed window (0: no limit); a send
    # over the limit waits for the next window. Counted in Redis when configured (0027).
    notifications_send_limit_window_seconds: int = 3600
    notifications_email_send_limit: int = 30
    notifications_sms_send_limit: int = 10
    notifications_push_send_limit: int = 30
    # The daily digest of saved-search matches: local hour it goes out, how often to check.
    notifications_digest_hour: int = 8
    notifications_digest_interval_seconds: float = 300.0
    # Signs unsubscribe links; made once in the data directory when unset (set it when more
    # than one notifications instance runs).
    notifications_link_secret: str | None = None
    # Public base of links in emails: the router's /links (it proxies /links/{subgraph}/…)
    # and the app's own address.
    public_links_url: str = "http://localhost:4000/links"
    public_app_url: str = "http://localhost:4000"

    @field_validator("subgraph_ports", mode="after")
    @classmethod
    def _over_default_ports(cls, ports: dict[str, int]) -> dict[str, int]:
        return {**DEFAULT_SUBGRAPH_PORTS, **ports}

    @model_validator(mode="after")
    def _follow_moved_ports(self) -> Settings:
        # URLs that point at the users subgraph or the router follow their ports unless set.
        if "jwks_url" not in self.model_fields_set:
            users = f"http://localhost:{self.subgraph_ports['users']}"
            self.jwks_url = f"{users}/.well-known/jwks.json"
        if "revocations_url" not in self.model_fields_set:
            users = f"http://localhost:{self.subgraph_ports['users']}"
            self.revocations_url = f"{users}/auth/revocations"
        if "public_files_url" not in self.model_fields_set:
            self.public_files_url = f"http://localhost:{self.router_port}/files"
        if "public_links_url" not in self.model_fields_set:
            self.public_links_url = f"http://localhost:{self.router_port}/links"
        if "bookings_public_url" not in self.model_fields_set:
            self.bookings_public_url = f"http://localhost:{self.subgraph_ports['bookings']}"
        return self

    # --- operations (all off unless set) ---------------------------------------------------
    # How often each subgraph forgets idempotency keys past their 24 h retention.
    idempotency_prune_interval_seconds: float = 3600.0
    # Error tracking: Sentry when a DSN is set (common/sentry.py).
    sentry_dsn: str | None = None
    sentry_traces_sample_rate: float = 0.0
    # Product analytics: Google Analytics 4 Measurement Protocol (common/analytics.py).
    ga_measurement_id: str | None = None
    ga_api_secret: str | None = None
    ga_endpoint: str = "https://www.google-analytics.com/mp/collect"
    ga_flush_interval_seconds: float = 2.0
    # Geocoding: Google Maps when a key is set, else the offline gazetteer (common/geocoding.py).
    google_maps_api_key: str | None = None
    google_maps_geocode_url: str = "https://maps.googleapis.com/maps/api/geocode/json"
    # Backups: ``python -m common.backup`` (pg_dump per subgraph database).
    backup_dir: Path | None = None
    backup_keep: int = 7

    def resolved_backup_dir(self) -> Path:
        return self.backup_dir or self.data_dir / "backups"

    # messaging: the chat store (MongoDB through Beanie when set, else Postgres) and how many
    # messages one user may send per window.
    mongodb_url: str | None = None
    messaging_send_rate_limit: int = 30
    messaging_send_rate_window_seconds: int = 10

    # notifications (decision 0026): how long a message may stay unread before its receiver
    # is notified, and how often the due alerts are checked (0 turns the loop off).
    notifications_message_delay_seconds: float = 120.0
    notifications_schedule_interval_seconds: float = 5.0

    # recommendations (decisions 0028, 0029, 0031): the HMAC key model artefacts are signed with
    # (made once in the data directory when unset; set it when instances or the trainer do
    # not share that directory), how often an instance looks for a new model and changed
    # listings, how long a viewer's feed stays cached, whether the bandit picks each feed
    # slot's source, and whether an instance finding no model trains one at start.
    recommendations_artefact_key: str | None = None
    recommendations_refresh_interval_seconds: float = 2.0
    recommendations_feed_cache_seconds: int = 300
    recommendations_bandit: bool = True
    recommendations_train_when_empty: bool = True

    def workers_for(self, subgraph: str) -> int:
        """How many worker processes serve ``subgraph`` (one without Redis)."""
        if not self.redis_url:
            return 1
        wanted = self.subgraph_workers.get(subgraph, self.workers)
        if wanted == "auto":
            if subgraph not in AUTO_SCALED_SUBGRAPHS:
                return 1
            return max(1, min(os.cpu_count() or 1, AUTO_MAX_WORKERS))
        return max(1, wanted)

    def resolved_storage_dir(self) -> Path:
        return self.storage_dir or self.data_dir / "files"

    def resolved_private_key_file(self) -> Path:
        return self.jwt_private_key_file or self.data_dir / "keys" / "users-ed25519.pem"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
