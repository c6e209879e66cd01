"""`manage.py stream_relay`: the long-running relay of the Kafka sink outbox (one active at a time, others stand by)."""

import signal
from typing import Any

from django.core.management.base import BaseCommand

from streaming.relay import relay_run


class Command(BaseCommand):
    help = "Send pending Kafka sink messages to their brokers until SIGTERM/SIGINT."

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = {"now": False}

        def stop(*_: Any) -> None:
            stopping["now"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("stream relay ready", ending="\n")
        self.stdout.flush()
        relay_run(stop=lambda: stopping["now"])
