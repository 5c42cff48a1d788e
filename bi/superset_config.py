"""Superset's configuration for the parking warehouse (loaded through SUPERSET_CONFIG_PATH).

`bi/superset.py` (make bi, the tests) starts every Superset command with the environment this
file reads; it imports nothing of ours, since it runs in Superset's own virtualenv (.venv-bi).

    PARKING_BI_HOME         Superset's state folder: its metadata database superset.db
                            (.warehouse/superset/ beside the published warehouse.duckdb)
    PARKING_BI_SECRET_KEY   signs sessions and encrypts stored connection settings

Nothing here reaches outside the machine: no telemetry, no map tiles, no web fonts; the
content-security policy only lets the browser load what Superset itself serves.
"""

import os
from pathlib import Path

_HOME = Path(os.environ["PARKING_BI_HOME"])

SECRET_KEY = os.environ["PARKING_BI_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_HOME / 'superset.db'}?check_same_thread=false"
DATA_DIR = str(_HOME)
UPLOAD_FOLDER = str(_HOME / "uploads")

APP_NAME = "Parking warehouse"

# Follow every publish: no chart data or metadata is cached, so the next query reads the file
# published now. (Superset opens a fresh engine with NullPool for every query by itself; the
# database's connect_args open the file read-only, see bi/dashboard/databases/.)
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
# Dashboard filter state and explore form data are kept in the process, not in a cache server.
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}

# Offline: nothing is fetched from elsewhere, by the server or by the browser.
FEATURE_FLAGS = {
    "THUMBNAILS": False,
    "ALERT_REPORTS": False,
    "ENABLE_TEMPLATE_PROCESSING": False,
}
MAPBOX_API_KEY = ""
THEME_FONT_URL_ALLOWED_DOMAINS: list[str] = []
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        # no Scarf telemetry pixel (the front end asks for one), no external images
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
CONTENT_SECURITY_POLICY_WARNING = False

# One local process; the SQL Lab runs queries in the web process too (no Celery).
SQLLAB_ASYNC_TIME_LIMIT_SEC = 300
SUPERSET_WEBSERVER_TIMEOUT = 120
