"""Messages we send (GOV.UK Notify): ``send`` records one and queues it; ``sending`` does the
sending as a job; ``callback`` takes Notify's delivery receipts; ``texts`` holds our words.

Other code calls ``send`` only (see its contract in ``sending.py``)."""

from __future__ import annotations

from finder.outbox.callback import bp
from finder.outbox.sending import send

__all__ = ["bp", "send"]
