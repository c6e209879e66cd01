"""Entry point of the Celery worker and beat processes the tests start: the project's app, with the
broker key prefix of the xdist worker that started it (tests/support/isolation.py).

Usage: python -m tests.support.celery_main worker -Q inbound ...   (what follows `celery -A config`)
"""

import sys


def main(argv: list[str]) -> int | None:
    import django

    from config.celery_app import app  # sets DJANGO_SETTINGS_MODULE when missing

    django.setup()
    from tests.support.isolation import apply_broker_key_prefix

    apply_broker_key_prefix()
    return app.start(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
