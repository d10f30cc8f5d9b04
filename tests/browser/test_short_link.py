"""The results page's QR code, as a phone's camera would read it: the code the browser draws
from the page's SVG is decoded by ZXing's reader (the code is made by libzint's encoder and
drawn by finder.links' own SVG writer), and it is the short link the page prints, which leads
back to the same results."""

from __future__ import annotations

import io
from urllib.parse import parse_qsl, urlsplit

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

RESULTS = "/bn/results?diabetes=type2&language=bn&companion=yes&area=camden"


def test_the_qr_code_on_the_page_reads_as_the_short_link_to_the_same_results(open_page):
    page = open_page(RESULTS, viewport={"width": 390, "height": 900})
    link = page.locator(".app-come-back__link a").inner_text().strip()
    shot = page.locator(".app-come-back__qr svg").screenshot()
    [read] = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert read.format == zxingcpp.BarcodeFormat.QRCode
    assert read.text == link
    # Opened on the same site, it gives back the same answers.
    page.goto(page.url.split("/bn/")[0] + urlsplit(link).path)
    expect(page.locator("h1")).to_be_visible()
    landed = urlsplit(page.url)
    assert landed.path == "/bn/results"
    assert dict(parse_qsl(landed.query)) == dict(parse_qsl(urlsplit(RESULTS).query))
