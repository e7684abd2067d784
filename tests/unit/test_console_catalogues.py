"""Every message the console can show exists in every shipped catalogue."""

from __future__ import annotations

import pytest

from ttt.web import catalogue, i18n


@pytest.mark.parametrize("lang", i18n.languages())
def test_catalogue_has_every_console_message(lang):
    assert catalogue.missing(lang) == set(), f"{lang}: add these to locales/{lang}/LC_MESSAGES/console.po"


def test_french_arabic_and_english_are_shipped_and_arabic_reads_right_to_left():
    assert {"fr", "en", "ar"} <= set(i18n.languages())
    assert i18n.translator("fr")("Alerts") == "Alertes"
    assert i18n.translator("ar")("Alerts") == "التنبيهات"
    assert "ar" in i18n.RTL


def test_template_placeholders_survive_translation():
    for lang in i18n.languages():
        text = i18n.translator(lang)("{shown} of {total} alerts, those waiting for a decision first.", shown=3, total=9)
        assert "3" in text and "9" in text
