"""The "Listen" button: only with JavaScript and a voice for the page's language."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

FAKE_SPEECH = """
window.__spoken = [];
window.SpeechSynthesisUtterance = class {
  constructor(text) { this.text = text; }
  addEventListener() {}
};
Object.defineProperty(window, "speechSynthesis", { value: {
  speaking: false,
  getVoices: () => [{ lang: "bn-BD", name: "Bangla" }, { lang: "en-GB", name: "English" }],
  addEventListener() {},
  cancel() {},
  speak(u) { window.__spoken.push({ text: u.text, lang: u.lang }); },
}});
"""


def test_hidden_without_javascript(open_page):
    page = open_page("/bn/programmes/desmond", javascript=False)
    expect(page.locator(".app-listen")).to_be_hidden()


def test_hidden_when_the_browser_has_no_voice_for_the_language(open_page):
    page = open_page("/so/programmes/desmond")
    page.wait_for_load_state("load")
    expect(page.locator(".app-listen")).to_be_hidden()


def test_reads_the_main_text_in_the_pages_language(browser, live_server):
    context = browser.new_context()
    own = urlsplit(live_server).netloc
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if urlsplit(route.request.url).netloc == own else route.abort()
        ),
    )
    context.add_init_script(FAKE_SPEECH)
    page = context.new_page()
    page.goto(f"{live_server}/bn/programmes/desmond")
    button = page.locator(".app-listen button")
    expect(button).to_be_visible()
    button.click()
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1
    assert spoken[0]["lang"] == "bn"
    assert "DESMOND" in spoken[0]["text"]
    assert button.inner_text() not in spoken[0]["text"], "the button itself is not read out"
    page.goto(f"{live_server}/so/programmes/desmond")
    expect(page.locator(".app-listen")).to_be_hidden()  # no Somali voice in the fake
    context.close()
