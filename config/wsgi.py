"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# The web server starts now: the health check gives the first worker heartbeat a grace period.
from monitoring.health import serving_started  # noqa: E402

serving_started()
