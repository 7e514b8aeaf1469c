"""The signed unsubscribe link of an email, followed with a real HTTP client, no sign-in."""

from __future__ import annotations

import httpx

from subgraphs.notifications.records import Kind
from tests.integration.notifications.delivery.world import DeliveryWorld, bodies, enabled

PUBLIC = "http://links.test/links/notifications"


def served(dworld: DeliveryWorld, url: str) -> str:
    """The public link (the router's /links/notifications/…) on the subgraph's own /links."""
    assert url.startswith(PUBLIC + "/unsubscribe/")
    return dworld.base_url + "/links" + url.removeprefix(PUBLIC)


async def test_the_email_link_unsubscribes_from_that_kind_without_signing_in(
    dworld: DeliveryWorld,
) -> None:
    buyer = dworld.person()
    await dworld.notify(buyer, Kind.BOOKING_REMINDER, title="Viewing reminder")
    await dworld.services.dispatcher.run_once()
    [mail] = dworld.mails_to(buyer)
    link = served(dworld, mail["List-Unsubscribe"].strip("<>"))
    assert mail["List-Unsubscribe"].strip("<>") in bodies(mail)["text/plain"]

    async with httpx.AsyncClient() as browser:  # no cookies, no Authorization
        page = await browser.get(link)
        assert page.status_code == 200
        assert "Stop viewing reminder emails?" in page.text
        assert '<form method="post"' in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        # Showing the page changes nothing (mail scanners follow links).
        assert enabled(await dworld.preferences(buyer), "BOOKING_REMINDER", "EMAIL") is True

        done = await browser.post(link, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200
        assert "You are unsubscribed" in done.text
        again = await browser.post(link, data={"List-Unsubscribe": "One-Click"})
        assert again.status_code == 200

    prefs = await dworld.preferences(buyer)
    assert enabled(prefs, "BOOKING_REMINDER", "EMAIL") is False
    assert enabled(prefs, "BOOKING_CONFIRMED", "EMAIL") is True
    later = await dworld.notify(buyer, Kind.BOOKING_REMINDER)
    assert later is not None
    row = (await dworld.deliveries(later))["email"]
    assert (row["status"], row["last_error"]) == ("skipped", "turned off in preferences")


async def test_a_tampered_or_foreign_link_changes_nothing(dworld: DeliveryWorld) -> None:
    buyer = dworld.person()
    token = dworld.services.unsubscribe.links.token(buyer.id, Kind.ANNOUNCEMENT)
    header, claims, signature = token.split(".")
    forged = f"{header}.{claims}.{signature[:-4]}AAAA"
    async with httpx.AsyncClient() as browser:
        for bad in (forged, "not-a-token", token + "x"):
            url = f"{dworld.base_url}/links/unsubscribe/{bad}"
            assert (await browser.get(url)).status_code == 404
            response = await browser.post(url, data={"List-Unsubscribe": "One-Click"})
            assert response.status_code == 404
            assert "This link does not work" in response.text
    assert enabled(await dworld.preferences(buyer), "ANNOUNCEMENT", "EMAIL") is True
