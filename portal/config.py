"""Settings, read from the environment with safe development defaults."""

import importlib.util
import os
from datetime import timedelta

#: The project's folder (templates/, static/, translations/ are in it).
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "portal.sqlite3")
    # Heroku-style URLs name the driver "postgres"; psycopg 3 is our driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


DEV_SECRET_KEY = "dev-only-not-secret"
#: A real key: long and random (python -c "import secrets; print(secrets.token_hex(32))").
MIN_SECRET_KEY_LENGTH = 32


def check_settings(config: dict) -> None:
    """Refuse to start outside development with settings that would be unsafe on the internet."""
    if config.get("ENV_NAME") == "development" or config.get("TESTING"):
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters (or PORTAL_ENV=development on your own machine)"
        )
    if not config.get("PORTAL_BASE_URL"):
        raise RuntimeError("PORTAL_BASE_URL must be set, e.g. https://portal.example.vn")
    if config.get("PASSWORD_HASH_METHOD", "scrypt") != "scrypt":
        raise RuntimeError("PASSWORD_HASH_METHOD is for the test suite only: leave it unset")
    backend = config.get("STORAGE_BACKEND")
    if backend not in ("local", "s3"):
        raise RuntimeError(f"STORAGE_BACKEND must be local or s3, not {backend!r}")
    if backend == "s3" and not config.get("S3_BUCKET"):
        raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET (and S3_ENDPOINT_URL if not AWS)")
    if backend == "s3" and importlib.util.find_spec("boto3") is None:
        raise RuntimeError('STORAGE_BACKEND=s3 needs boto3: pip install "boto3>=1.36"')


def load_config(instance_path: str) -> dict:
    """Return the settings for this process from the environment."""
    # Development (a public secret key, plain-HTTP cookies) only when asked for by name.
    env = os.environ.get("PORTAL_ENV", "production")
    development = env == "development"
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or (DEV_SECRET_KEY if development else None),
        #: The public address every absolute link (mail, PDF, QR code) is built on.
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL")
        or ("http://127.0.0.1:5000" if development else None),
        #: How many reverse proxies stand in front (their X-Forwarded-For/-Proto are trusted).
        "PORTAL_PROXIES": int(os.environ.get("PORTAL_PROXIES", "0")),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        # No ping before each checkout (a round trip per request): a connection the database
        # dropped fails its request with a 503 (portal/errors.py), which invalidates the whole
        # pool, so the next requests reconnect; connections are renewed after half an hour
        # so that none outlives a proxy's or firewall's idle timeout.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800},
        "BABEL_DEFAULT_LOCALE": "vi",
        #: Every calendar date a person sees or a rule compares is a date in this zone.
        #: Log lines: "json" (one object per line, for a log collector) or "text".
        "LOG_FORMAT": os.environ.get("LOG_FORMAT") or ("text" if development else "json"),
        #: Errors to Sentry when set (needs the optional extra: pip install -e ".[sentry]").
        "SENTRY_DSN": os.environ.get("SENTRY_DSN") or None,
        "PORTAL_TIMEZONE": os.environ.get("PORTAL_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("PORTAL_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "LANGUAGES": ("vi", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": not development,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        #: Sign-in and reset attempts on one account, from any address.
        "ACCOUNT_RATE_LIMIT": os.environ.get("ACCOUNT_RATE_LIMIT", "10 per 15 minutes"),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "120 per minute"),
        "AUTOSAVE_RATE_LIMIT": os.environ.get("AUTOSAVE_RATE_LIMIT", "120 per minute"),
        "PASSWORD_RESET_MAX_AGE": 3600,
        #: The largest request body (413 beyond it); file uploads declare their own limit.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_REQUEST_BYTES", str(1024 * 1024))),
        # Mail: console in development (the reset link is printed); SMTP when MAIL_SERVER is set.
        "MAIL_BACKEND": "smtp" if os.environ.get("MAIL_SERVER") else "console",
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "") == "1",
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "portal@localhost"),
        # Card payments (Stripe): with no secret key, paid enrolment is switched off.
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET") or None,
        #: Another API host (tests: localstripe); None means Stripe's own.
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE") or None,
        "STRIPE_JS_URL": os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        #: Seconds to wait for each call to Stripe (tried three times in all).
        "STRIPE_TIMEOUT_SECONDS": float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "10")),
        #: How long a paid seat is held while its payment is pending.
        "PAYMENT_HOLD_MINUTES": int(os.environ.get("PAYMENT_HOLD_MINUTES", "30")),
        #: Uploaded files (evidence): "local" keeps them in UPLOAD_FOLDER on this server; "s3"
        #: in a bucket every app server shares (AWS S3 or an S3-compatible server such as
        #: MinIO at S3_ENDPOINT_URL; keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
        "STORAGE_BACKEND": os.environ.get("STORAGE_BACKEND") or "local",
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER") or os.path.join(instance_path, "uploads"),
        "S3_BUCKET": os.environ.get("S3_BUCKET") or None,
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL") or None,
        "S3_REGION": os.environ.get("S3_REGION") or None,
        #: Put before every key, e.g. "portal/" to share a bucket with other things.
        "S3_PREFIX": os.environ.get("S3_PREFIX") or "",
        #: Seconds to wait to connect and for each answer (tried three times in all).
        "S3_TIMEOUT_SECONDS": float(os.environ.get("S3_TIMEOUT_SECONDS", "10")),
        #: Retention (`flask privacy purge`): unsubmitted drafts untouched this long are deleted.
        "RETENTION_DRAFT_DAYS": int(os.environ.get("RETENTION_DRAFT_DAYS", "365")),
        #: Retention: files of evidence rejected this long ago are deleted.
        "RETENTION_REJECTED_EVIDENCE_DAYS": int(
            os.environ.get("RETENTION_REJECTED_EVIDENCE_DAYS", "180")
        ),
    }
