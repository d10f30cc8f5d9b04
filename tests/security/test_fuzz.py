"""S28: every page, form and field the app has, fuzzed: never a 5xx, nothing half-written.

Nothing here is listed by hand, so a new page or field is fuzzed without anyone remembering to add
it. Discovery: ``app.url_map`` gives the routes and the access decorators give the roles that may
use each; the pages, fetched as each role, give the real path values (a referral reference,
programme and venue slugs, run and feedback ids...) from their links, their forms with every field
and option, and the query parameters their links use, with the vocabulary of
``finder.circumstances.PARAMETERS`` and ``finder.links.CARRIED``. Then Hypothesis sends odd query
strings to every GET route, hostile path parts to every route, and odd values (with unknown,
missing and repeated fields) to every POST form with a valid CSRF token. Every 5xx is collected and
reported with the method, URL, role and input.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from flask_login import current_user, login_user
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Rule
from werkzeug.test import TestResponse

from finder.circumstances import CHOICES, PARAMETERS
from finder.extensions import db
from finder.links import CARRIED
from finder.models import CourseRun, Programme, Referral, RegisterEntry, RememberedDevice, User
from finder.outbox import send
from finder.referrals import operations
from tests.conftest import migrated_app, own_database
from tests.outbox.fake_notify import confirmation
from tests.staff.conftest import ACCOUNTS, csrf_token, sign_in

# Anonymous, then each staff role (the demo account of that name).
ROLES: tuple[str | None, ...] = (
    None,
    "clinician",
    "support",
    "commissioner",
    "admin",
    "provider",
)
LANG = "en"  # the crawl follows one language; hostile path parts cover the `lang` part

NUL = "\x00"  # the app answers 400 to a NUL anywhere: fine, as long as it is not a 5xx
RLO = "\u202e"  # right-to-left override

pytestmark = pytest.mark.slow
ODD = st.one_of(
    st.text(max_size=40),
    st.integers().map(str),
    st.sampled_from(
        [
            "",
            " ",
            NUL,
            f"a{NUL}b",
            f"{RLO}evil",
            f"Pat {RLO}elpmaxE",
            "👩🏽‍⚕️",
            "ددد اردو",
            "Ll. Ysbyty Gwynedd",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "javascript:alert(1)",
            "9" * 400,
            "x" * 10_000,
            "99999999999999999999",
            "-99999999999999999999",
            "-1",
            "0",
            "1e309",
            "NaN",
            "31/02/2020",
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            "01/01/0001",
            "31/12/9999",
            "30/02/2026",
            "25:61",
            "../../etc/passwd",
        ]
    ),
)
# Path parts: real values come from the pages; these are the hostile ones (no NUL: that is a 400
# before any route is matched). Integer parts also get numbers no database column can hold.
HOSTILE_PATH = ("x" * 2000, "..%2f..%2fetc", "../", f"{RLO}evil", "ünï😀", "' OR 1=1 --", "%", "0")
HOSTILE_INT = ("99999999999999999999", "9223372036854775808", "2147483648", "00001")

EXAMPLES_PER_QUERY = 10
EXAMPLES_PER_FORM = 20
PAGES_PER_ENDPOINT = 4  # the crawl visits at most this many URLs of one route as one role


def short(text: str) -> str:
    """A value as a report shows it: long runs of one character counted, at most 300 long."""
    text = re.sub(r"(.)\1{19,}", lambda m: f"{m.group(1)}×{len(m.group(0))}", text)
    return text if len(text) <= 300 else f"{text[:300]}... ({len(text)} characters)"


@dataclass(frozen=True)
class Failure:
    method: str
    url: str
    role: str | None
    data: tuple[tuple[str, str], ...]
    status: int
    endpoint: str | None
    params: dict[str, str]  # the path parts and query parameters, by name

    def __str__(self) -> str:
        shown = [(k, short(v)) for k, v in self.data if k != "csrf_token"]  # always valid
        return (
            f"{self.status} {self.method} {short(self.url)} as {self.role or 'anonymous'} {shown}"
        )


@dataclass
class Form:
    role: str | None
    rule: Rule
    action: str
    fields: dict[str, list[str]]  # name: the values the page offers (options, defaults)
    files: set[str]


@dataclass
class Site:
    """What the crawl learnt about the app, and every request sent to it."""

    app: Flask
    clients: dict[str | None, FlaskClient]
    tokens: dict[str | None, str]
    path_values: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    query_keys: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    query_values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    visited: dict[tuple[str | None, str], list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    answered: set[tuple[str | None, str]] = field(default_factory=set)  # (role, endpoint): a 200
    forms: dict[tuple[str | None, str], Form] = field(default_factory=dict)
    documents: list[bytes] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    requests: int = 0

    def send(
        self, role: str | None, method: str, url: str, data: Sequence[tuple[str, Any]] = ()
    ) -> TestResponse:
        self.requests += 1
        # Each request from its own address, so the rate limits (tested elsewhere) do not cut
        # the fuzzing short.
        address = f"198.18.{self.requests // 250 % 250}.{self.requests % 250 + 1}"
        body = MultiDict(
            (k, (BytesIO(v), "upload.json") if isinstance(v, bytes) else v) for k, v in data
        )
        response = self.clients[role].open(
            url, method=method, data=body, environ_overrides={"REMOTE_ADDR": address}
        )
        if response.status_code >= 500:
            shown = tuple(
                (k, v.decode("utf-8", "replace") if isinstance(v, bytes) else v) for k, v in data
            )
            rule, path_parts = self.match(url, method) or (None, {})
            params = {
                **dict(parse_qsl(urlsplit(url).query)),
                **{k: str(v) for k, v in path_parts.items()},
            }
            self.failures.append(
                Failure(
                    method,
                    url,
                    role,
                    shown,
                    response.status_code,
                    rule.endpoint if rule is not None else None,
                    params,
                )
            )
        return response

    def match(self, url: str, method: str) -> tuple[Rule, Mapping[str, Any]] | None:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            return None
        try:
            rule, args = self.app.url_map.bind("localhost").match(
                parts.path, method, return_rule=True
            )
        except HTTPException:
            return None
        return (rule, args) if fuzzed(rule) else None

    def learn(self, rule: Rule, args: Mapping[str, Any], query: str) -> None:
        for name, value in args.items():
            known = self.path_values[(rule.endpoint, name)]
            if str(value) not in known:
                known.append(str(value))
        for key, value in parse_qsl(query, keep_blank_values=True):
            self.query_keys[rule.endpoint].add(key)
            self.query_values[key].add(value)

    def real_path(self, rule: Rule, **hostile: str) -> str | None:
        """The rule's path with real values, any part given replaced.

        A real value is the first one a link to this route had, else the first one a link to
        another route had in a part of the same name.
        """
        parts = {}
        for name in rule.arguments:
            seen = self.path_values.get((rule.endpoint, name)) or self.named(name)
            if name in hostile:
                parts[name] = hostile[name]
            elif name == "lang":
                parts[name] = LANG
            elif seen:
                parts[name] = quote(seen[0], safe="")
            else:
                return None
        return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: parts[m.group(1)], rule.rule)

    def named(self, name: str) -> list[str]:
        """The real values of path parts of this name, on any route (a `ref` is a referral's)."""
        return [v for (_, n), values in self.path_values.items() if n == name for v in values]

    def roles(self, rule: Rule) -> tuple[str | None, ...]:
        """The roles to fuzz a route as: those it answered 200 in the crawl (just the first for
        a public route: it is the same page), else those its access decorator allows."""
        # Set by finder.access's decorators, on the view function itself.
        access: tuple[str, ...] = getattr(self.app.view_functions[rule.endpoint], "access", ())
        allowed = (None,) if access[0] == "public" else tuple(r for r in ROLES if r in access[1:])
        answered = tuple(r for r in ROLES if (r, rule.endpoint) in self.answered) or allowed
        return answered[:1] if access[0] == "public" else answered

    def signed_in(self, role: str | None) -> None:
        """Sign in again if a fuzzed form (sign-out, say) signed the client out."""
        if role and self.clients[role].get("/en/staff/").status_code != 200:
            self.clients[role] = sign_in(self.app.test_client(), role)
            self.tokens[role] = csrf_token(self.clients[role], "/en/staff/")


def fuzzed(rule: Rule) -> bool:
    return not rule.endpoint.endswith(("assets", "static"))


def methods(rule: Rule) -> set[str]:
    """The methods a route answers (Werkzeug's None, any method, is never a Flask route's)."""
    assert rule.methods is not None, rule.rule
    return rule.methods


def blank_form(site: Site, role: str | None, rule: Rule) -> Form:
    """The form of a route whose form no page showed, at the route's real path, with no fields."""
    path = site.real_path(rule)
    assert path is not None, rule.rule
    return Form(role, rule, path, {}, set())


def fields_of(form: Tag) -> tuple[dict[str, list[str]], set[str]]:
    fields: dict[str, list[str]] = defaultdict(list)
    files = set()
    for el in form.find_all(["input", "select", "textarea", "button"]):
        name = str(el.get("name") or "")
        if not name:
            continue
        if el.name == "select":
            values = [str(o.get("value", o.get_text())) for o in el.find_all("option")]
        elif el.name == "textarea":
            values = [el.get_text()]
        elif el.get("type") == "file":
            files.add(name)
            values = []
        else:
            kind = el.get("type")
            values = [str(el.get("value", "on" if kind in ("checkbox", "radio") else ""))]
        fields[name].extend(v for v in values if v and v not in fields[name])
    return dict(fields), files


def crawl(site: Site, role: str | None) -> None:
    """Visit the pages a role can reach, learning path values, query parameters and forms."""
    app = site.app
    start = [
        site.real_path(r) for r in app.url_map.iter_rules() if fuzzed(r) and "GET" in methods(r)
    ]
    queue = deque(p for p in start if p)
    seen: set[str] = set()
    topped_up = False
    while queue or not topped_up:
        if not queue:
            # Routes no page linked to, with the real values other routes' links gave.
            topped_up = True
            for rule in app.url_map.iter_rules():
                if (
                    fuzzed(rule)
                    and "GET" in methods(rule)
                    and not site.visited[(role, rule.endpoint)]
                ):
                    path = site.real_path(rule)
                    queue.extend([path] if path else [])
            continue
        url = queue.popleft()
        found = site.match(url, "GET")
        if url in seen or found is None:
            continue
        rule, args = found
        seen.add(url)
        site.learn(rule, args, urlsplit(url).query)
        if (
            args.get("lang", LANG) != LANG
            or len(site.visited[(role, rule.endpoint)]) >= PAGES_PER_ENDPOINT
        ):
            continue
        site.visited[(role, rule.endpoint)].append(url)
        response = site.send(role, "GET", url)
        if response.status_code != 200:
            continue
        site.answered.add((role, rule.endpoint))
        if response.mimetype != "text/html":
            site.documents.append(response.get_data())
            continue
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        queue.extend(str(a["href"]).split("#")[0] for a in page.find_all("a", href=True))
        for form in page.find_all("form"):
            action = str(form.get("action") or url)
            method = str(form.get("method", "get")).upper()
            target = site.match(action, method)
            if target is None:
                continue
            fields, files = fields_of(form)
            site.learn(target[0], target[1], urlsplit(action).query)
            if method == "GET":
                # Submit it once with the first answer to every question, to reach what is behind.
                for name, values in fields.items():
                    site.query_keys[target[0].endpoint].add(name)
                    site.query_values[name].update(values)
                answers = [(n, v[0]) for n, v in fields.items() if v]
                queue.append(f"{urlsplit(action).path}?{urlencode(answers)}")
            elif (role, target[0].endpoint) not in site.forms:
                site.forms[(role, target[0].endpoint)] = Form(
                    role, target[0], action, fields, files
                )


# Query strings: known keys with real or odd values, unknown keys, repeated keys.
def query_strategy(site: Site, endpoint: str, base: str) -> st.SearchStrategy[str]:
    keys = sorted(site.query_keys[endpoint] | set(PARAMETERS) | set(CARRIED))

    def value_for(key: str) -> st.SearchStrategy[str]:
        real = sorted(
            site.query_values.get(key, set()) | set(CHOICES.get(key, ())) | set(site.named(key))
        )
        return st.one_of(st.sampled_from(real), ODD) if real else ODD

    pair = st.one_of(
        st.sampled_from(keys).flatmap(lambda k: st.tuples(st.just(k), value_for(k))),
        st.tuples(st.text(min_size=1, max_size=12), ODD),
    )
    kept = parse_qsl(base, keep_blank_values=True)
    return st.tuples(st.booleans(), st.lists(pair, max_size=6)).map(
        lambda drawn: urlencode((kept if drawn[0] else []) + drawn[1])
    )


def json_value() -> st.SearchStrategy[Any]:
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ODD,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD, inner, max_size=3),
        max_leaves=8,
    )


@st.composite
def mutated(draw: st.DrawFn, document: bytes) -> bytes:
    """A document the site gave out, with one value somewhere in it replaced by an odd one."""
    try:
        tree = json.loads(document)
    except ValueError:
        return document
    node, steps = tree, draw(st.integers(0, 6))
    for _ in range(steps):
        children = (
            list(node)
            if isinstance(node, dict)
            else range(len(node))
            if isinstance(node, list)
            else []
        )
        if not children:
            break
        key = draw(st.sampled_from(children))
        if not isinstance(node[key], dict | list) or draw(st.booleans()):
            node[key] = draw(json_value())
            break
        node = node[key]
    return json.dumps(tree).encode()


def upload_strategy(site: Site) -> st.SearchStrategy[bytes]:
    documents = [d for d in site.documents if d.lstrip()[:1] in (b"{", b"[")]
    return st.one_of(
        st.binary(max_size=200),
        ODD.map(lambda s: s.encode("utf-8", "surrogatepass")),
        json_value().map(lambda v: json.dumps(v).encode()),
        *(mutated(d) for d in documents),
    )


# Form fields: missing, a real value, an odd one, or repeated; plus unknown fields.
def form_strategy(site: Site, form: Form) -> st.SearchStrategy[list[tuple[str, Any]]]:
    def value_for(name: str) -> st.SearchStrategy[list[Any]]:
        one: st.SearchStrategy[str | bytes]
        if name in form.files:
            one = upload_strategy(site)
        else:
            real = form.fields.get(name, [])
            one = st.one_of(st.sampled_from(real), ODD) if real else ODD
        return st.one_of(st.just([]), one.map(lambda v: [v]), st.lists(one, min_size=2, max_size=3))

    names = sorted((set(form.fields) | form.files) - {"csrf_token"})
    known = st.fixed_dictionaries({n: value_for(n) for n in names})
    unknown = st.lists(st.tuples(st.text(min_size=1, max_size=12), ODD), max_size=2)
    return st.tuples(known, unknown).map(
        lambda drawn: (
            [(n, v) for n, values in drawn[0].items() for v in values]
            + [(n, v) for n, v in drawn[1] if n not in form.fields]
        )
    )


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def fuzz_query(site: Site, role: str | None, rule: Rule) -> None:
    visited = site.visited[(role, rule.endpoint)]
    url = visited[0] if visited else site.real_path(rule)
    if url is None:
        return
    path, base = urlsplit(url).path, urlsplit(url).query

    @fuzz_settings(EXAMPLES_PER_QUERY)
    @given(query_strategy(site, rule.endpoint, base))
    def get(query: str) -> None:
        site.send(role, "GET", f"{path}?{query}")

    get()


def fuzz_form(site: Site, form: Form) -> set[int]:
    """Post odd values to the form; returns the statuses it answered."""
    answered = set()

    @fuzz_settings(EXAMPLES_PER_FORM)
    @given(form_strategy(site, form))
    def post(data: list[tuple[str, Any]]) -> None:
        token = ("csrf_token", site.tokens[form.role])
        answered.add(site.send(form.role, "POST", form.action, [token, *data]).status_code)

    post()
    site.signed_in(form.role)
    return answered


def fuzz_path(site: Site, rule: Rule) -> None:
    """Every path part of the route, one at a time, replaced by each hostile value."""
    if not site.roles(rule):  # a machine's route (Notify's receipts, a bearer token): no parts
        return
    role = site.roles(rule)[0]
    for name in rule.arguments:
        hostile = HOSTILE_INT if isinstance(rule._converters[name], IntegerConverter) else ()
        for value in (*hostile, *(quote(v, safe="%") for v in HOSTILE_PATH)):
            path = site.real_path(rule, **{name: value})
            assert path is not None, f"no real value for a part of {rule.rule} but {name}"
            for method in sorted(methods(rule) - {"HEAD", "OPTIONS"}):
                data = [("csrf_token", site.tokens[role])] if method == "POST" else []
                site.send(role, method, path, data)


def orphans(app: Flask) -> int:
    """Referrals without their creation audit row, or patients without a referral."""
    with app.app_context():
        return int(
            db.session.execute(
                text(
                    "SELECT (SELECT count(*) FROM referral r WHERE NOT EXISTS (SELECT 1 FROM audit_event a "
                    "WHERE a.object_ref = r.reference AND a.action = 'referral.create'))"
                    " + (SELECT count(*) FROM patient p WHERE NOT EXISTS (SELECT 1 FROM referral r WHERE r.patient_id = p.id))"
                )
            ).scalar_one()
        )


def referrals_in_every_state(app: Flask) -> None:
    """A referral behind every staff form: referred; booked on a course run (the attendance
    list); did not attend (the follow-up list and its contact form); registered online (the
    sign-up steps). Feedback to moderate, too."""
    with app.test_request_context():
        login_user(db.session.scalar(select(User).filter_by(email=ACCOUNTS["clinician"])))
        run = db.session.scalars(select(CourseRun).order_by(CourseRun.id)).first()
        online = db.session.scalar(select(Programme).filter_by(delivery="online"))
        assert run is not None
        assert online is not None

        def refer(programme: Programme, course_run: CourseRun | None = None) -> Referral:
            details = operations.PatientDetails(
                "Pat Example",
                dt.date(1960, 5, 1),
                None,
                "020 7946 0123",
                None,
                "en",
                "phone",
                False,
                False,
                None,
            )
            return operations.create_referral(
                current_user.practice, programme, details, {}, course_run
            )[0]

        refer(run.programme)
        operations.change_status(refer(run.programme, run), "booked", None)
        missed = refer(run.programme, run)
        operations.change_status(missed, "booked", None)
        operations.change_status(missed, "did_not_attend", None)
        operations.register_online(refer(online), has_device=True, needed_help=False)
        operations.add_feedback(run.programme, 4, "Helpful", "en")
        db.session.commit()


@pytest.fixture(scope="module")
def own_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app on a database of its own: the fuzzer signs out, deletes runs, imports directories."""
    app = migrated_app(own_database("s28", tmp_path_factory))
    referrals_in_every_state(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def link_token(own_app: Flask) -> str:
    """A provider's link: no page links to one (the practice is shown it once), so the crawl
    is given it."""
    from finder.providers import links

    with own_app.test_request_context():
        login_user(db.session.scalar(select(User).filter_by(email=ACCOUNTS["clinician"])))
        referral = db.session.scalars(select(Referral).order_by(Referral.id)).first()
        assert referral is not None
        return links.replace(referral)


@pytest.fixture(scope="module")
def booking_token(own_app: Flask) -> str:
    """A person's link to their booking: it is in their messages only, so the crawl is given
    one (for the referral booked onto a run)."""
    from finder.database import writes
    from finder.referrals import booking

    with own_app.test_request_context(), writes():
        referral = db.session.scalars(
            select(Referral)
            .where(Referral.status == "booked", Referral.course_run_id.is_not(None))
            .order_by(Referral.id)
        ).first()
        assert referral is not None
        return booking.new_link(referral).rsplit("/", 1)[1]


# A socket the HTTP client library leaves to the garbage collector is reported at teardown;
# it says nothing about the pages under test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_s28_no_input_to_any_page_or_form_gives_a_server_error(own_app, link_token, booking_token):
    app = own_app
    started = time.monotonic()
    clients = {
        role: sign_in(app.test_client(), role) if role else app.test_client() for role in ROLES
    }
    site = Site(
        app,
        clients,
        {r: csrf_token(c, "/en/staff/" if r else "/en/staff/login") for r, c in clients.items()},
    )
    before = orphans(app)
    site.path_values["links.open_link", "token"].append(link_token)
    # The results page gives its short link as an absolute address (for paper), which the crawl
    # does not follow: a real one here.
    site.path_values["public.short_link", "code"].append("100002-bn")
    site.path_values["public.short_link", "area"].append("camden")
    for endpoint in ("public.my_link", "public.my_calendar", "public.my_cannot_attend"):
        site.path_values[endpoint, "token"].append(booking_token)
    # The Open Referral UK API is linked from no page: its records' ids from its own lists.
    anyone = app.test_client()
    for endpoint, listing in (
        ("openreferral.service", "/openreferral/services"),
        ("openreferral.service_at_location", "/openreferral/service_at_locations"),
        ("openreferral.taxonomy", "/openreferral/taxonomies"),
        ("openreferral.taxonomy_term", "/openreferral/taxonomy_terms"),
    ):
        site.path_values[endpoint, "id"].append(anyone.get(listing).get_json()["contents"][0]["id"])
    # A person on the register, so its pages are linked from "not yet referred".
    with app.app_context():
        clinician = db.session.scalar(select(User).filter_by(email="clinician@demo.invalid"))
        assert clinician is not None
        db.session.add(
            RegisterEntry(
                practice_id=clinician.practice_id,
                nhs_number="9434765919",
                name="Fuzz Register",
                date_of_birth=dt.date(1950, 1, 1),
                diagnosis_date=dt.date(2026, 1, 1),
                preferred_language="en",
                interpreter_needed=False,
                imported_at=dt.datetime.now(dt.UTC),
            )
        )
        # A computer the clinician had remembered, so the account page links to forgetting it.
        db.session.add(
            RememberedDevice(
                user_id=clinician.id,
                token_hash="0" * 64,
                label="Firefox on Linux",
                created_at=dt.datetime.now(dt.UTC),
                expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
            )
        )
        db.session.commit()
        # A letter of the clinician's practice, so "Messages sent" links to its PDF.
        send(
            channel="letter",
            to="Fuzz Register\n1 Test Street\nLondon\nE1 1AA",
            template="self_referral_confirmation",
            language="en",
            personalisation=confirmation("DE-FUZZ-0001"),
            referral=None,
            recipient="patient",
            key="fuzz-letter",
            practice_id=clinician.practice_id,
        )

    for role in ROLES:
        crawl(site, role)
    rules = [r for r in app.url_map.iter_rules() if fuzzed(r)]
    unreached = sorted({n for r in rules for n in r.arguments if site.real_path(r) is None})
    assert not unreached, f"no page links to a real value of these path parts: {unreached}"
    # Each form as each role that may use it; a route that takes a POST but whose form no page
    # showed (the second step of signing in, say) gets unknown fields only.
    forms = [
        site.forms.get((role, rule.endpoint)) or blank_form(site, role, rule)
        for rule in rules
        if "POST" in rule.methods
        for role in site.roles(rule)
    ]
    # The provider's link first: fuzzing the commissioner's "revoke" and the practice's "make
    # a new link" forms ends it.
    forms.sort(key=lambda form: form.rule.endpoint != "links.open_link")
    crawled = site.requests

    for rule in rules:
        fuzz_path(site, rule)
        if "GET" in rule.methods:
            for role in site.roles(rule):
                fuzz_query(site, role, rule)
    # A form that refused every post was not fuzzed at all (a stale CSRF token, say).
    refused = [f"{f.action} as {f.role}" for f in forms if min(fuzz_form(site, f)) >= 400]

    print(
        f"\nS28: {len(rules)} routes, {len(forms)} forms, {sum(len(f.fields) for f in forms)} fields,"
        f" {site.requests} requests ({crawled} crawling) in {time.monotonic() - started:.0f}s"
    )
    assert not site.failures, "\n".join(map(str, site.failures))
    assert not refused, f"these forms refused every post: {refused}"
    assert orphans(app) == before
