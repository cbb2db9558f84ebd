"""Superset's configuration for `make superset` (loaded by Superset via SUPERSET_CONFIG_PATH).

Everything Superset keeps lives in the private folder ``$SUPERSET_HOME`` (the launcher's
``--home``): the SQLite metadata database and the generated secret key. No examples are loaded.
"""

import os
from pathlib import Path

HOME = Path(os.environ["SUPERSET_HOME"])

SECRET_KEY = (HOME / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{HOME / 'superset.db'}?check_same_thread=false"

# The warehouse file is replaced by every build: never serve a cached result or thumbnail.
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
FEATURE_FLAGS = {"THUMBNAILS": False, "ALERT_REPORTS": False}

# A local, single-user tool bound to 127.0.0.1.
TALISMAN_ENABLED = False
SUPERSET_WEBSERVER_TIMEOUT = 120
ROW_LIMIT = 10000
CONTENT_SECURITY_POLICY_WARNING = False
