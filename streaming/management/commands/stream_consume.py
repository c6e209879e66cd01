"""`manage.py stream_consume`: the long-running consumer of Kafka event sources (idle when none is configured)."""

import signal
from typing import Any

from django.core.management.base import BaseCommand

from streaming.consumer import consume_run


class Command(BaseCommand):
    help = "Consume the configured Kafka event sources into the event pipeline until SIGTERM/SIGINT."

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = {"now": False}

        def stop(*_: Any) -> None:
            stopping["now"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("stream consumer ready", ending="\n")
        self.stdout.flush()
        consume_run(stop=lambda: stopping["now"])
