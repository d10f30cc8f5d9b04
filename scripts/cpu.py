"""CPU per page rendered in-process (the test client, kept pages off), load-independent.

Wall-clock timings on a shared machine drift with the load; the CPU time this process spends
(time.process_time) does not, so this is the figure for an A/B of one change. Prints one line
per page: CPU milliseconds per render (median of ROUNDS rounds of N renders each).

Usage: python scripts/cpu.py [--national] [--renders N]
  --national also generates a national-size directory (200 areas, 5,000 programmes, no
  referrals) and times the results page with an area. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.stack import PAGES, RESULTS, env, prepare

ROUNDS = 5
QUESTION = "/en/find/computer?diabetes=type2&daytime=no&evenings=yes"
CHECK = "/en/find/check?diabetes=type2&daytime=no&evenings=yes&computer=with_help&language=bn&companion=yes"
NATIONAL = "/en/results?diabetes=type2&area=area-7"
LANGUAGES = ("en", "bn", "tr", "so", "ar", "ur", "pl", "ro", "es", "pt")
# Answers people could give, for the "new answers" case, as `make bench` sends them: 21,600
# combinations in ten languages, in a shuffled (fixed) order, so no request repeats another and
# nothing made for one person (a kept card, a QR code) is there for the next by accident of
# the order.
YES_NO = ("yes", "no")
CHOICES = (
    LANGUAGES, YES_NO, YES_NO, YES_NO, ("confident", "with_help", "no"),
    ("group", "own_pace", "either"), ("confident", "some_help", "spoken"),
    ("en", "bn", "pl", "so", "ar"), YES_NO,
)  # fmt: skip


def new_answers() -> Iterator[str]:
    """Different valid results URLs across the ten languages, none twice in 21,600."""
    urls = [
        f"/{lang}/results?diabetes=type2&daytime={day}&evenings={evening}&weekends={weekend}"
        f"&computer={computer}&learning={learning}&reading={reading}&language={language}"
        f"&companion={companion}"
        for lang, day, evening, weekend, computer, learning, reading, language, companion in (
            itertools.product(*CHOICES)
        )
    ]
    random.Random(20).shuffle(urls)  # noqa: S311 - an order for a benchmark, not a secret
    return itertools.cycle(urls)


def cpu_ms(get: Callable[[], object], renders: int) -> float:
    get()  # compiled templates, loaded copy
    rounds = []
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(renders):
            get()
        rounds.append((time.process_time() - started) / renders * 1000)
    return round(statistics.median(rounds), 3)


def signed_in(app, email: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login = client.get("/en/staff/login").get_data(as_text=True)
    token = login.split('name="csrf_token" value="')[1].split('"')[0]
    password = os.environ.get("FINDER_DEMO_PASSWORD", "demo-password")
    client.post("/en/staff/login", data={"email": email, "csrf_token": token, "password": password})
    return client


def pending_raises(app) -> str:  # type: ignore[no-untyped-def]
    """Whether a feedback waiting for moderation raises the directory version (it must not:
    every worker would read the directory again and forget its kept pages)."""
    import datetime as dt

    from sqlalchemy import select

    from finder.extensions import db
    from finder.models import DirectoryVersion, Feedback, Programme

    with app.app_context():
        before = db.session.scalar(select(DirectoryVersion.version))
        programme = db.session.scalar(select(Programme.id).limit(1))
        db.session.add(
            Feedback(programme_id=programme, rating=4, comment="bench", language="en",
                     created_at=dt.datetime.now(dt.UTC))
        )  # fmt: skip
        db.session.commit()
        return "yes" if db.session.scalar(select(DirectoryVersion.version)) != before else "no"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--national", action="store_true")
    parser.add_argument("--renders", type=int, default=200)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="finder-cpu-"))
    database = f"sqlite:///{workdir / 'cpu.db'}"
    prepare(database)
    os.environ.update(
        {k: v for k, v in env(database).items() if k not in os.environ or k != "PATH"}
    )
    from finder import create_app

    app = create_app({"FINDER_PAGE_CACHE_BYTES": 0, "FINDER_SELF_REFERRAL_LIMIT": 10**9})
    if args.national:
        from scripts import national

        with app.app_context():
            national.generate(0)
    client = app.test_client()
    staff = signed_in(app, "clinician@demo.invalid")

    def page(c, url: str) -> Callable[[], object]:  # type: ignore[no-untyped-def]
        def get() -> object:
            response = c.get(url, headers={"Accept-Encoding": "gzip"})
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            return response

        return get

    urls = new_answers()

    def new() -> object:
        return page(client, next(urls))()

    figures = {
        "results": page(client, RESULTS),
        "results, new answers (10 languages)": new,
        "question": page(client, QUESTION),
        "check answers": page(client, CHECK),
        "programme": page(client, PAGES["programme"]),
        "start": page(client, PAGES["start"]),
        "consultation": page(staff, PAGES["consultation"]),
    }
    if args.national:  # the other pages would list all 5,000 programmes
        figures = {"national results with area": page(client, NATIONAL)}
    if not args.national:
        print(f"a pending feedback raises the directory version: {pending_raises(app)}")
    for name, get in figures.items():
        renders = (
            args.renders // 4
            if name in ("consultation", "national results with area")
            else args.renders
        )
        print(f"{name:40} {cpu_ms(get, renders):8.3f} ms CPU per render", flush=True)


if __name__ == "__main__":
    main()
