"""Query strings are data; hosts are configured, not taken from the request."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from finder.config import ConfigurationError
from tests.conftest import check_page, make_app, migrated_app, one
from tests.staff.conftest import sign_in

HOSTILE = (
    "diabetes=type2&_external=1&_scheme=javascript&_anchor=x&lang=xx&utm_source=mail"
    "&junk=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&learning=group"
)


def test_the_language_switcher_carries_only_the_vocabulary(fetch):
    page = fetch(f"/en/results?{HOSTILE}")
    links = [a["href"] for a in page.select(".app-language-switcher a")]
    assert links, "the switcher is there"
    for href in links:
        parts = urlsplit(href)
        assert not parts.scheme, href
        assert not parts.netloc, href
        assert dict(parse_qsl(parts.query)) == {"diabetes": "type2", "learning": "group"}, href
    assert "alert(1)" not in str(page)
    assert "javascript" not in str(page)


def test_kept_pages_are_keyed_on_the_answers_not_on_their_order_or_junk(app):
    pages = app.extensions["finder_pages"]
    client = app.test_client()
    first = client.get("/en/results?diabetes=type1&evenings=yes&utm_campaign=poison%22")
    before = len(pages)
    for query in (
        "evenings=yes&diabetes=type1",
        "diabetes=type1&evenings=yes&utm_source=a",
        "diabetes=type1&evenings=yes&b=2&a=1",
        "diabetes=type1&evenings=yes&junk=%3Cb%3E",
    ):
        again = client.get(f"/en/results?{query}")
        assert again.status_code == 200
    assert len(pages) == before, "one kept page for one set of answers"
    assert b"poison" not in first.get_data(), "a junk parameter never reaches the page"


def test_absolute_links_come_from_the_configured_base_url_not_the_host_header(app, make_referral):
    ref = make_referral()
    client = app.test_client()
    client.environ_base["HTTP_HOST"] = "evil.example"
    page = sign_in(client, "clinician").get(f"/en/staff/handout?ref={ref}")
    shown = one(check_page(page.get_data(as_text=True)), ".app-handout__url").get_text()
    assert shown == f"{app.config['FINDER_BASE_URL']}/en/programmes/desmond"
    assert "evil.example" not in page.get_data(as_text=True)


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    database = f"sqlite:///{tmp_path_factory.mktemp('hosts') / 'h.db'}"
    migrated_app(database)
    return make_app(
        database,
        FINDER_ENV="production",
        SECRET_KEY="s" * 40,
        FINDER_DEMO=False,
        FINDER_BASE_URL="https://finder.example.nhs.uk",
        TESTING=False,
    )


def test_production_answers_only_its_own_host(production):
    client = production.test_client()
    good = client.get("/en/", headers={"Host": "finder.example.nhs.uk"}, base_url="https://x")
    assert good.status_code == 200
    for host in ("evil.example", "finder.example.nhs.uk.evil.example", "127.0.0.1:8000"):
        assert client.get("/en/", headers={"Host": host}).status_code == 400, host


def test_production_refuses_to_start_without_an_https_base_url(tmp_path):
    for base in (None, "", "http://finder.example.nhs.uk", "finder.example.nhs.uk"):
        with pytest.raises(ConfigurationError, match="FINDER_BASE_URL"):
            make_app(
                f"sqlite:///{tmp_path / 'x.db'}",
                FINDER_ENV="production",
                SECRET_KEY="s" * 40,
                FINDER_DEMO=False,
                FINDER_BASE_URL=base,
            )
