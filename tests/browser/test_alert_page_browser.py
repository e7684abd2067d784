"""A recipient opens the link from its message in a real browser, on a phone: the page fits
390 px, reads in French and in Arabic (right to left), and the map shows the corridor."""

from __future__ import annotations

import io

from PIL import Image

from tests.integration.recipient_factories import NGO_PHONE, PREFET, make_place, send_alert, two_recipients

CORRIDOR_RGB = (0xCC, 0x66, 0x00)  # the corridor's stroke colour on the map


def corridor_pixels(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for px in image.getdata() if all(abs(a - b) <= 24 for a, b in zip(px, CORRIDOR_RGB, strict=True)))


def open_link(phone, link: str, locale: str):
    page = phone(locale)
    response = page.goto(link, wait_until="load")
    assert response.status == 200
    return page


def check_phone_page(page, artifacts_dir, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    corridor = page.locator("svg.alert-map path.corridor")
    box = corridor.bounding_box()
    assert box is not None and box["width"] > 100, box  # drawn across the map, visible
    shot = page.locator("svg.alert-map").screenshot(path=str(artifacts_dir / f"{name}_map.png"))
    assert corridor_pixels(shot) > 300  # the corridor is actually painted
    page.screenshot(path=str(artifacts_dir / f"{name}.png"), full_page=True)
    assert page.foreign_requests == []  # no tiles, fonts or scripts from anyone else


def test_french_recipient_reads_the_page_on_a_phone_and_confirms(phone, session, live_url, artifacts_dir):
    make_place(session)
    two_recipients(session)
    _, sent = send_alert(session, public_url=live_url)
    link = next(s.link for s in sent if s.address == PREFET)
    page = open_link(phone, link, "fr-FR")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Beaucoup plus d'animaux que d'habitude à Boni"
    assert "NOUVELLE ALERTE" in page.locator(".state").inner_text()
    check_phone_page(page, artifacts_dir, "alert_page_fr")
    page.get_by_role("button", name="Confirmer la réception").click()
    page.wait_for_load_state("load")
    assert "1 organisation a confirmé la réception." in page.content()


def test_arabic_page_reads_right_to_left_with_the_corridor_on_the_map(phone, session, live_url, artifacts_dir):
    make_place(session)
    two_recipients(session)
    _, sent = send_alert(session, public_url=live_url)
    link = next(s.link for s in sent if s.address == NGO_PHONE)
    page = open_link(phone, f"{link}?lang=ar", "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert "تنبيه جديد" in page.locator(".state").inner_text()
    check_phone_page(page, artifacts_dir, "alert_page_ar")
