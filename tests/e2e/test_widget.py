"""The web chat widget as a person uses it: headless Chromium opens the page Rasa serves at
/webhooks/webchat/chat, types into rasa-webchat and reads what it shows.

Screenshots of each conversation are saved in reports/screenshots/ (and, for a failed test,
FAILED-<test>.png).
"""

from __future__ import annotations

import time
from typing import Callable, Dict, List, Optional

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.browser import SCREENSHOTS, WIDGET_PAGE_PATH
from tests.support.replies import advice_by_text, ends_an_emergency_turn, question_asked, response_texts
from tests.support.socketio_chat import plain

EMERGENCY_CLASS = "triage-emergency"
EMERGENCY_BACKGROUND = "rgb(176, 0, 32)"  # #b00020 in web/chat.css
GREETING = plain(response_texts("utter_greet")[0])
URGENT_ADVICE = plain(next(text for text, urgency in advice_by_text().items() if urgency == "urgent"))
PAGE_TIMEOUT_S = 60
REPLY_TIMEOUT_S = 90  # rasa-webchat shows each message after a typing delay of up to 3 s
SETTLE_S = 3.0

# Every message in the widget, in order: who sent it, its text, its classes, its links.
MESSAGES_SCRIPT = """
return Array.from(document.querySelectorAll('#webchat .rw-client, #webchat .rw-response')).map(e => ({
  sender: e.classList.contains('rw-client') ? 'user' : 'bot',
  text: e.innerText.trim(),
  classes: Array.from(e.classList),
  links: Array.from(e.querySelectorAll('a')).map(a => a.getAttribute('href')),
}));
"""


def widget_messages(driver) -> List[Dict]:
    return driver.execute_script(MESSAGES_SCRIPT)


def after_user_message(driver, text: str) -> Optional[List[Dict]]:
    """The bot's messages after the user's last message `text`; None until that message is shown."""
    messages = widget_messages(driver)
    positions = [i for i, m in enumerate(messages) if m["sender"] == "user" and m["text"] == text]
    if not positions:
        return None
    replies = []
    for message in messages[positions[-1] + 1 :]:
        if message["sender"] == "user":
            break
        replies.append(message)
    return replies


def open_widget(driver, base_url: str) -> None:
    driver.get(base_url + WIDGET_PAGE_PATH)
    wait = WebDriverWait(driver, PAGE_TIMEOUT_S)
    try:
        wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#webchat .rw-new-message")))
    except TimeoutException:
        pytest.fail(f"the widget's input never appeared in #webchat:\n{browser_errors(driver)}")
    try:
        wait.until(lambda d: any(m["sender"] == "bot" and m["text"] == GREETING for m in widget_messages(d)))
    except TimeoutException:
        pytest.fail(f"no greeting; the widget shows: {widget_messages(driver)}")


def say(driver, text: str, until: Callable[[List[Dict]], bool]) -> List[Dict]:
    """Type `text` into the widget, press its send button, and wait for the reply to be shown."""
    box = driver.find_element(By.CSS_SELECTOR, "#webchat .rw-new-message")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.CSS_SELECTOR, "#webchat .rw-send").click()
    try:
        WebDriverWait(driver, REPLY_TIMEOUT_S, poll_frequency=0.5).until(
            lambda d: (lambda replies: replies is not None and until(replies))(after_user_message(d, text))
        )
    except TimeoutException:
        pytest.fail(f"no complete reply to {text!r}; the widget shows: {widget_messages(driver)}")
    time.sleep(SETTLE_S)  # whatever else the bot sends for this message
    return after_user_message(driver, text) or []


def asks_a_question(replies: List[Dict]) -> bool:
    """The reply to a report is complete: the widget shows one of the questions that end it."""
    return any(question_asked(r["text"]) for r in replies)


def reply_complete(replies: List[Dict]) -> bool:
    """... or, for an emergency, which asks nothing, its closing line."""
    return asks_a_question(replies) or any(ends_an_emergency_turn(r["text"]) for r in replies)


def browser_errors(driver) -> List[str]:
    """The browser's error messages since the last call (reading the log empties it), without those for
    the web fonts the widget asks for, which
    the page's content security policy does not load (the widget falls back to system fonts)."""
    errors = []
    for entry in driver.get_log("browser"):
        message = entry.get("message", "")
        if entry.get("level") != "SEVERE" or "font" in message.lower():
            continue
        errors.append(message)
    return errors


def screenshot(driver, name: str, element=None) -> None:
    """Save a screenshot, with `element` scrolled to the middle of the conversation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if element is not None:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        time.sleep(0.3)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 0, path


def test_widget_highlights_emergency_advice_with_a_clickable_911(stack, browser):
    open_widget(browser, stack.url)

    replies = say(browser, "my husband had a seizure", until=reply_complete)
    assert replies, "no reply shown"
    first = replies[0]
    assert "emergency services" in first["text"] and "911" in first["text"], (
        f"the emergency advice is not the first reply: {replies}"
    )
    emergency = [r for r in replies if EMERGENCY_CLASS in r["classes"]]
    assert emergency == [first], f"the emergency advice (only it) must carry {EMERGENCY_CLASS}: {replies}"
    assert "tel:911" in first["links"], f"911 is not a tel: link in {first}"
    assert any("care team" in r["text"] for r in replies), f"no care-team advice shown: {replies}"

    block = browser.find_elements(By.CSS_SELECTOR, f"#webchat .rw-response.{EMERGENCY_CLASS}")[-1]
    assert "emergency services" in block.text and "911" in block.text, block.text
    style = browser.execute_script(
        "const s = getComputedStyle(arguments[0]); return {background: s.backgroundColor, color: s.color};", block
    )
    assert style == {"background": EMERGENCY_BACKGROUND, "color": "rgb(255, 255, 255)"}, (
        f"the emergency advice is not highlighted (web/chat.css not applied?): {style}"
    )
    normal = browser.find_elements(By.CSS_SELECTOR, f"#webchat .rw-response:not(.{EMERGENCY_CLASS})")[-1]
    assert (
        browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor;", normal) != EMERGENCY_BACKGROUND
    )

    link = block.find_element(By.CSS_SELECTOR, 'a[href="tel:911"]')
    assert link.text == "911", link.text
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
    WebDriverWait(browser, 5).until(EC.element_to_be_clickable(link))
    on_top = browser.execute_script(
        """
        const r = arguments[0].getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return hit === arguments[0] || arguments[0].contains(hit);""",
        link,
    )
    assert on_top, "the 911 link is covered by another element: a click would not reach it"
    screenshot(browser, "widget-emergency", block)

    replies = say(browser, "I don't have a fever but I feel confused", until=reply_complete)
    assert replies[0]["text"] == URGENT_ADVICE, f"expected the care-team advice first: {replies}"
    assert "care team" in replies[0]["text"]
    assert not any(EMERGENCY_CLASS in r["classes"] for r in replies), (
        f"care-team (not emergency) advice must not be shown as an emergency: {replies}"
    )
    assert any("nervous-system" in r["text"].lower() for r in replies), replies
    screenshot(browser, "widget-care-team")

    errors = browser_errors(browser)
    assert not errors, f"errors in the browser: {errors}"


INJECTIONS = [
    ("script-and-bold", "<script>window.__pwned=1</script><b>bold</b> I feel dizzy"),
    ("img-onerror", '<img src=x onerror="window.__pwned=1">'),
]


def test_widget_shows_html_in_messages_as_text(stack, browser):
    open_widget(browser, stack.url)
    for name, text in INJECTIONS:
        # Both are read as symptom reports (the first names dizziness), answered in full.
        replies = say(browser, text, until=reply_complete)
        shown = [m for m in widget_messages(browser) if m["sender"] == "user" and m["text"] == text]
        assert shown, f"{text!r} is not shown literally: {widget_messages(browser)}"
        assert replies, f"no reply to {text!r}"
        assert any("care team" in r["text"] for r in replies), (
            f"the reply to {text!r} does not name the care team: {replies}"
        )
        screenshot(browser, f"widget-injection-{name}")

    assert browser.execute_script("return typeof window.__pwned;") == "undefined", "a message ran a script"
    created = browser.execute_script("""
        const c = document.querySelector('#webchat');
        return {
          script: c.querySelectorAll('script').length,
          b: Array.from(c.querySelectorAll('b')).map(e => e.textContent),
          img: Array.from(document.querySelectorAll('img[src="x"], img[onerror], [onerror]')).length,
          userMarkup: Array.from(c.querySelectorAll('.rw-client *')).map(e => e.tagName)
            .filter(t => t !== 'DIV'),
        };""")
    assert created == {"script": 0, "b": [], "img": 0, "userMarkup": []}, f"elements made from message text: {created}"
    # A policy violation would mean the markup got into the page and only the policy stopped it.
    errors = browser_errors(browser)
    violations = [e for e in errors if "Content Security Policy" in e]
    assert not violations, f"the page tried to run message text: {violations}"
    assert not errors, f"errors in the browser: {errors}"
