"""An online course people join themselves gets "Start now": a plain link to its own website, with
the steps. Healthy Living (help-diabetes) is one (seeds/programmes.yaml: online, self-referral,
join_url https://www.healthyliving.nhs.uk/, and joining needs an email address:
shared/reference/programmes.md 1.1); the group courses are not."""

from __future__ import annotations

HEALTHY_LIVING = "https://www.healthyliving.nhs.uk/"
# Type 2, and would rather learn at their own pace: Healthy Living is a good fit.
OWN_PACE = "/en/results?diabetes=type2&learning=own_pace"


def start_links(soup):
    return [a for a in soup.find_all("a") if a.get_text(strip=True) == "Start now"]


def card(soup, slug):
    return soup.select_one(f'li.app-option[data-programme="{slug}"]')


def test_the_online_card_links_straight_to_the_course_website_with_the_steps(fetch):
    page = fetch(OWN_PACE)
    online = card(page, "help-diabetes")
    assert online["data-fit"] == "good"
    [start] = start_links(online)
    assert start["href"] == HEALTHY_LIVING
    assert "nhsuk-button" in start["class"]
    # An ordinary link: the same tab, no script.
    assert not start.has_attr("target")
    assert not start.has_attr("onclick")
    steps = [li.get_text(" ", strip=True) for li in online.select(".app-start-now ol li")]
    assert steps == [
        "Go to the website.",
        "Make an account with your email address.",
        "Start the first part when it suits you.",
    ]
    # Joined on its own website; telling the practice (a self-referral, which QOF DM014
    # counts) is offered beside it, never in its place.
    [tell] = online.find_all("a", href=lambda h: h and "/self-refer/" in h)
    assert tell.get_text(strip=True) == "Tell your GP practice"
    assert tell["href"].startswith("/en/self-refer/help-diabetes?")
    # Nothing is promised that the site does not do.
    text = online.get_text(" ", strip=True)
    assert "GP will be told" not in text
    assert "will contact you" not in text


def test_group_courses_have_no_start_now(fetch):
    page = fetch(OWN_PACE)
    [start] = start_links(page)  # Healthy Living's only
    assert start["href"] == HEALTHY_LIVING
    for slug in ("desmond", "dsmp", "x-pert"):
        assert not start_links(card(page, slug)), slug
    # X-PERT still takes self-referrals through this site, as before.
    sign_up = card(page, "x-pert").find("a", href=lambda h: h and "/self-refer/x-pert" in h)
    assert sign_up.get_text(" ", strip=True) == "Sign up for X-PERT Programme"


def test_no_start_now_where_the_course_is_not_for_the_person(fetch):
    # Healthy Living is for type 2 only; "not sure" people are sent to their practice first.
    for query in ("diabetes=unsure", "diabetes=type1"):
        assert not start_links(fetch(f"/en/results?{query}")), query


def test_the_programme_page_has_start_now_and_only_the_online_one(fetch):
    page = fetch("/en/programmes/help-diabetes")
    [start] = start_links(page)
    assert start["href"] == HEALTHY_LIVING
    assert "Make an account with your email address." in page.get_text(" ", strip=True)
    # The one link to the course's website is the Start now button.
    assert [a["href"] for a in page.find_all("a", href=HEALTHY_LIVING)] == [HEALTHY_LIVING]
    for slug in ("desmond", "dsmp", "x-pert"):
        assert not start_links(fetch(f"/en/programmes/{slug}")), slug


def test_start_now_is_in_the_page_language(fetch):
    page = fetch("/ar/programmes/help-diabetes")
    start = page.select_one(".app-start-now a.nhsuk-button")
    assert start["href"] == HEALTHY_LIVING
    assert start.get_text(strip=True) == "ابدأ الآن"
