"""What an alert says, in plain words, in the reader's language (pure: no database).

Every channel (email, SMS, webhook, CAP, Atom, the alert page) tells the same answers,
built here from the alert's structured facts, never from the rules' internal headline:
the state first (new, over, false alarm...), then what happened and where (names before
codes), how serious, since when, the evidence as a non-statistician reads it ("about
7,000 animals in 24 h, where about 630 is usual at this time of year") and what to do.
Texts come from the gettext catalogues (``ttt.i18n``); nothing here is French or English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alerts.delivery.message import AlertMessage
from ttt.facts import species_name
from ttt.i18n import N_, Translator, translator

STATES = {
    "created": N_("NEW ALERT"), "updated": N_("ALERT UPDATED"), "escalated": N_("NOT YET ACKNOWLEDGED"),
    "resolved": N_("END OF ALERT"), "reopened": N_("ALERT REOPENED"), "confirmed": N_("ALERT CONFIRMED"),
    "dismissed": N_("FALSE ALARM"), "reminder": N_("REMINDER"), "closed": N_("ALL CLEAR"),
    "test": N_("TEST MESSAGE"),
}
STATE_TITLES = {
    "created": N_("New alert"), "updated": N_("Alert updated"), "escalated": N_("Not yet acknowledged: sent further"),
    "resolved": N_("End of alert"), "reopened": N_("Alert reopened"), "confirmed": N_("Alert confirmed"),
    "dismissed": N_("False alarm: alert cancelled"), "reminder": N_("Reminder"), "closed": N_("All clear"),
    "test": N_("Test message"),
}
SEVERITY_WORDS = {"minor": N_("low"), "moderate": N_("moderate"), "severe": N_("serious"),
                  "extreme": N_("very serious")}
TYPE_WORDS = {
    "mass": N_("Many more animals than usual"), "early": N_("Herds moving early"),
    "late": N_("Herds moving late"), "unexpected": N_("Unexpected herd movement"),
    "hazard": N_("Danger on the herds' way"), "event": N_("Incident reported"),
}
KIND_WORDS = {
    "bushfire": N_("bushfire"), "flood": N_("flood"), "drought": N_("drought"), "disease": N_("animal disease"),
    "insecurity": N_("insecurity"), "conflict": N_("conflict"), "crop_destruction": N_("crop destruction"),
    "cattle_rustling": N_("cattle rustling"), "kidnapping": N_("kidnapping"),
    "natural_disaster": N_("natural disaster"), "non_use_of_corridor": N_("official corridor not used"),
    "other": N_("other event"),
}
DIRECTION_WORDS = {"descent": N_("descent (dry-season move south)"),
                   "return": N_("return (rainy-season move north)")}
SEASONAL_MOVE = N_("seasonal move")
ACTIONS = {
    "mass": N_("Tell local authorities and mediation committees along the corridor; check water points "
               "and rest areas downstream."),
    "early": N_("Tell farmers downstream (harvests may still be in the fields) and call on mediation "
                "committees before the herds arrive."),
    "late": N_("Check with key informants whether herds remain on the corridor; warn farmers (sowing)."),
    "unexpected": N_("Confirm with key informants; consider another corridor and tell nearby communities."),
    "hazard": N_("Consider sending herds by another corridor; tell herders on the way and the authorities."),
    "event": N_("Check the report with key informants and alert the mediation committees."),
}
EVENT_NEWS = {
    "escalated": N_("Nobody confirmed receipt in time: it goes to the next level."),
    "reopened": N_("The situation got worse after the earlier alert here was closed."),
    "confirmed": N_("A second source has confirmed it."),
    "dismissed": N_("After checking, it was a false alarm: this alert is cancelled."),
    "reminder": N_("This confirmed alert is still not resolved."),
    "resolved": N_("This alert is over."),
    "closed": N_("The situation has ended."),
}
ENDED_ACTIONS = {
    "resolved": N_("Nothing more to do: this alert is over."),
    "closed": N_("Nothing more to do: all clear."),
    "dismissed": N_("Nothing to do: this alert was a false alarm. Please tell those you warned."),
    "test": N_("Nothing to do: this message only checks that alerts reach you."),
}


def _get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, Mapping) else None


def _named(t: Translator, name: str | None, code: str | None) -> str | None:
    """'Boni (FMP-07)': the name people use, the code after it for those who need it."""
    if name and code and name != code:
        return f"{name} ({code})"
    return name or code


def place_name(m: AlertMessage) -> str | None:
    """The shortest name of where it happens: flow point, else corridor, else admin area."""
    ranked = sorted(m.places, key=lambda p: -(p.level or 0))
    for candidate in (m.flow_point_name, m.corridor_name, *(p.name for p in ranked),
                      m.flow_point_code, m.corridor_code, *(p.pcode for p in m.places)):
        if candidate:
            return candidate
    return None


def where(m: AlertMessage, t: Translator) -> str:
    bits = []
    fp = _named(t, m.flow_point_name, m.flow_point_code)
    if fp:
        bits.append(t.gettext("{name} flow monitoring point", name=fp))
    corridor = _named(t, m.corridor_name, m.corridor_code)
    if corridor:
        bits.append(t.gettext("on the {name} corridor", name=corridor))
    areas = [_named(t, p.name, p.pcode) for p in sorted(m.places, key=lambda p: -(p.level or 0))]
    if areas:
        bits.append(", ".join(a for a in areas if a))
    return ", ".join(bits) if bits else t.gettext("place not given")


def headline(m: AlertMessage, t: Translator) -> str:
    if m.event == "test":
        return t.gettext("Test message: this is not an alert")
    base = _get(m.evidence, "baseline")
    kind = KIND_WORDS.get(m.kind or (_get(base, "kind") if m.type == "hazard" else None) or "")
    if place_name(m) is None:
        # nowhere named: the headline the alert was raised with says where, if anything does
        return m.headline_in(t.language) if m.headline else t.gettext(TYPE_WORDS.get(m.type, N_("Incident reported")))
    if m.type == "mass" and _get(base, "kind") == "quota":
        return t.gettext("Season quota exceeded in {place}", place=place_name(m))
    if m.type == "event" and kind:
        return t.gettext("{kind} reported at {place}", kind=t.gettext(kind).capitalize(), place=place_name(m))
    if m.type == "hazard" and kind:
        return t.gettext("Danger on the herds' way at {place}: {kind}", place=place_name(m), kind=t.gettext(kind))
    return t.gettext("{what} at {place}", what=t.gettext(TYPE_WORDS.get(m.type, N_("Incident reported"))),
                     place=place_name(m))


def _herds(t: Translator, observed: Any) -> str | None:
    herds, animals = _get(observed, "herds"), _get(observed, "animals")
    if herds is None and animals is None:
        return None
    if herds is None:
        return t.gettext("about {animals} animals", animals=t.about(animals))
    return t.ngettext("{n} herd ({animals} animals)", "{n} herds ({animals} animals)", int(herds),
                      animals=t.num(animals))


def _unit(t: Translator, e: Mapping[str, Any]) -> str:
    if (e.get("unit") or e.get("measure")) == "tlu":
        return t.gettext("TLU (tropical livestock units: 1 TLU is 250 kg of animal, e.g. one camel or ten sheep)")
    return t.gettext("animals")


def _mass(e: Mapping[str, Any], t: Translator) -> list[str]:
    observed, base = e.get("observed"), e.get("baseline")
    if not isinstance(observed, (int, float)):
        return []
    if _get(base, "kind") == "quota":
        return [t.gettext("{n} {unit} counted this season, above the national quota of {quota}.",
                          n=t.num(observed), unit=_unit(t, e), quota=t.num(e.get("threshold")))]
    hours = e.get("window_hours") or 24
    said = t.gettext("About {n} {unit} passed in {hours} h", n=t.about(observed), unit=_unit(t, e),
                     hours=t.num(hours))
    usual = _get(base, "median") if isinstance(base, Mapping) else base
    kind = _get(base, "kind")
    if usual is not None and kind != "trailing_days":
        return [t.gettext("{said}, where about {usual} is usual at this time of year.", said=said,
                          usual=t.about(usual))]
    if usual is not None:
        return [t.gettext("{said}, where about {usual} is usual over recent weeks.", said=said, usual=t.about(usual))]
    return [t.gettext("{said}. No usual figure is known yet for this place: the alert level is {level}.",
                      said=said, level=t.num(e.get("threshold")))]


def _timing(m: AlertMessage, e: Mapping[str, Any], t: Translator) -> list[str]:
    herds = _herds(t, e.get("observed"))
    days = _get(e.get("observed"), "max_days")
    base = e.get("baseline") if isinstance(e.get("baseline"), Mapping) else {}
    direction = t.gettext(DIRECTION_WORDS.get(e.get("direction") or "", SEASONAL_MOVE))
    early = m.type == "early"
    if base.get("usual_date"):
        text = (N_("{herds}: up to {days} days before the date this move usually starts here ({date}), {direction}.")
                if early else
                N_("{herds}: up to {days} days after the date this move usually ends here ({date}), {direction}."))
        ref = base["usual_date"]
    else:
        text = (N_("{herds}: up to {days} days before the official opening of the {direction} on {date}.")
                if early else
                N_("{herds}: up to {days} days after the official closing of the {direction} on {date}."))
        ref = base.get("opens") if early else base.get("closes")
    if herds is None:
        return []
    return [t.gettext(text, herds=herds, days=t.num(days), date=t.day(ref) if ref else "?", direction=direction)]


def _unexpected(e: Mapping[str, Any], t: Translator) -> list[str]:
    herds = _herds(t, e.get("observed")) or "?"
    check = e.get("check")
    if check == "off_corridor":
        km = _get(e.get("observed"), "max_distance_m")
        tol = _get(e.get("threshold"), "tolerance_m")
        return [t.gettext("{herds} seen up to {km} km from the mapped corridor (more than the {tol} km allowed).",
                          herds=herds, km=t.num((km or 0) / 1000, 1), tol=t.num((tol or 0) / 1000, 1))]
    if check == "out_of_season":
        return [t.gettext("{herds} moving outside any season window for that direction.", herds=herds)]
    if check == "closed":
        return [t.gettext("{herds} at a corridor or flow point that is closed.", herds=herds)]
    if check in ("novel_origin", "novel_destination", "novel_species"):
        value = _get(e.get("observed"), "value")
        if check == "novel_species":
            value = species_name(str(value), t.language)  # the one declaration of species names
        seen = _get(e.get("baseline"), "herds_seen")
        what = {"novel_origin": N_("coming from {value}"), "novel_destination": N_("going to {value}"),
                "novel_species": N_("of {value}")}[check]
        return [t.gettext("{herds} {what}: never seen here among the {seen} herds counted in earlier seasons.",
                          herds=herds, what=t.gettext(what, value=value), seen=t.num(seen))]
    if e.get("distance_m") is not None:
        return [t.gettext("Seen {km} km from the mapped corridor.", km=t.num(e["distance_m"] / 1000, 1))]
    return [herds] if herds != "?" else []


def _hazard(m: AlertMessage, e: Mapping[str, Any], t: Translator) -> list[str]:
    herds = _herds(t, e.get("observed"))
    base = e.get("baseline") if isinstance(e.get("baseline"), Mapping) else {}
    kind = t.gettext(KIND_WORDS.get(base.get("kind") or m.kind or "", N_("other event")))
    sev = t.gettext(SEVERITY_WORDS.get(base.get("hazard_severity") or "", N_("moderate")))
    if herds is None:
        return [t.gettext("Active {kind} ({severity}) on the corridor.", kind=kind, severity=sev)]
    if e.get("check") == "ahead":
        return [t.gettext("{herds} heading towards an active {kind} ({severity}) within {km} km ahead.",
                          herds=herds, kind=kind, severity=sev, km=t.num(_get(e.get("threshold"), "ahead_km")))]
    return [t.gettext("{herds} on or next to an active {kind} ({severity}).", herds=herds, kind=kind, severity=sev)]


def _measure_place(m: AlertMessage, t: Translator, key: Any) -> str:
    """``corridor:ML-C1`` as people say it, with the names this message knows."""
    kind, _, code = str(key or "").partition(":")
    if kind == "corridor":
        return t.gettext("on the {name} corridor", name=_named(t, m.corridor_name if code == m.corridor_code else None,
                                                               code))
    if kind == "fp":
        return t.gettext("{name} flow monitoring point",
                         name=_named(t, m.flow_point_name if code == m.flow_point_code else None, code))
    return code or kind or "?"


def evidence(m: AlertMessage, t: Translator) -> str:
    """The facts behind the alert as sentences; no statistics words, ids or rule names."""
    e = m.evidence or {}
    if m.event == "test":
        return t.gettext("No evidence: nothing happened, this is a test.")
    out: list[str] = []
    if m.type == "mass":
        out += _mass(e, t)
    elif m.type in ("early", "late"):
        out += _timing(m, e, t)
    elif m.type == "unexpected":
        out += _unexpected(e, t)
    elif m.type == "hazard":
        out += _hazard(m, e, t)
    elif m.type == "event":
        out.append(t.gettext("Reported from the field."))
        if e.get("description"):
            out.append(t.gettext("Report: {text}", text=str(e["description"])[:300]))
    counts = e.get("observations_total") or e.get("observation_count") or len(e.get("observations") or ())
    measures = e.get("measures")
    if isinstance(measures, Mapping):
        for rule, other in measures.items():
            if rule == e.get("rule") or not isinstance(other, Mapping) or not isinstance(other.get("observed"), (int, float)):
                continue
            out.append(t.gettext("Same incident, {place}: {n} {unit}.", place=_measure_place(m, t, other.get("place")),
                                 n=t.num(other["observed"]), unit=_unit(t, other)))
    if counts and m.type != "event":
        out.append(t.ngettext("Based on {n} count from the field.", "Based on {n} counts from the field.",
                              int(counts)))
    return " ".join(out) if out else t.gettext("Details are on the alert page.")


def action(m: AlertMessage, t: Translator) -> str:
    if m.event in ENDED_ACTIONS:
        return t.gettext(ENDED_ACTIONS[m.event])
    text = t.gettext(ACTIONS.get(m.type, ACTIONS["event"]))
    if m.late:
        return t.gettext("Nothing urgent: these events are past. Keep this for the record.")
    reroute = _get(_get(m.evidence, "rerouting"), "text")
    if isinstance(reroute, dict) and (reroute.get(t.language) or reroute.get("en")):
        text += " " + (reroute.get(t.language) or reroute["en"])  # the best open way round, when one was found
    if m.event == "escalated":
        return t.gettext("Nobody has confirmed this alert yet: please confirm receipt.") + " " + text
    return text


def what(m: AlertMessage, t: Translator) -> str:
    if m.event == "test":
        return t.gettext("This message checks that alerts reach you. It is not an alert.")
    sev = t.gettext(SEVERITY_WORDS.get(m.severity, N_("moderate")))
    text = t.gettext("{headline}. Seriousness: {severity}.", headline=headline(m, t), severity=sev)
    since = m.window_start or m.created_at
    if since:
        text += " " + t.gettext("Since {when}.", when=t.when(since))
    if m.type == "event" and m.headline and place_name(m) is not None:
        # the informant's own words (cleaned to one line, links defanged, when reported), quoted as theirs
        text += " " + t.gettext("As reported: {headline}", headline=m.headline_in(t.language))
    news = EVENT_NEWS.get(m.event)
    if news:
        text += " " + t.gettext(news)
    if m.corroborations:
        text += " " + t.ngettext("{n} other independent report says the same.",
                                 "{n} other independent reports say the same.", m.corroborations)
    if m.late:
        text += " " + t.gettext("Reported late: these events are past.")
    return text


def parts(m: AlertMessage, language: str | None) -> dict[str, str]:
    """Every answer, in one language, as plain strings."""
    t = translator(language)
    state = t.gettext(STATES.get(m.event, STATES["updated"]))
    title = headline(m, t)
    return {
        "state": state,
        "title": t.gettext("{state}: {headline}", state=state, headline=title),
        "event_label": t.gettext(STATE_TITLES.get(m.event, STATE_TITLES["updated"])),
        "headline": title,
        "type_label": t.gettext(TYPE_WORDS.get(m.type, N_("Incident reported"))),
        "severity_label": t.gettext(SEVERITY_WORDS.get(m.severity, N_("moderate"))),
        "place": place_name(m) or t.gettext("place not given"),
        "where": where(m, t),
        "what": what(m, t),
        "since": t.when(m.window_start or m.created_at) if (m.window_start or m.created_at) else "",
        "evidence": evidence(m, t),
        "action": action(m, t),
        "language": t.language,
        "dir": t.direction,
    }
