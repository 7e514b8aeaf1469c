import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from common.auth.viewer import ANONYMOUS, Role, Viewer
from common.errors import BadUserInput
from subgraphs.properties.records import Listing, Photo, PropertyStatus, PropertyType
from subgraphs.properties.service.events import field_changes
from subgraphs.properties.service.validation import check_listing_fields, check_price_range

OWNER = uuid.uuid4()
LISTING = Listing(
    id=uuid.uuid4(),
    title="Loft",
    description="",
    price=Decimal("100000.00"),
    currency="USD",
    type=PropertyType.CONDO,
    address="1 Main St, Austin, TX",
    zip_code="78701",
    owner_id=OWNER,
    no_of_bed_rooms=1,
    no_of_bath_rooms=1,
    no_of_toilets=1,
    latitude=30.0,
    longitude=-97.0,
    status=PropertyStatus.OFF_MARKET,
    floor_area=None,
    created_at=datetime(2025, 1, 1, tzinfo=UTC),
    updated_at=datetime(2025, 1, 2, tzinfo=UTC),
    version=3,
    photos=(Photo(uuid.uuid4(), "k.jpg", "http://x/k.jpg", "image/jpeg", 1, 1, 10, 0, True),),
)


def test_snapshots_round_trip() -> None:
    assert Listing.from_snapshot(LISTING.snapshot()) == LISTING


def test_off_market_listings_are_visible_to_owner_and_admins_only() -> None:
    assert LISTING.visible_to(Viewer(OWNER, Role.SELLER))
    assert LISTING.visible_to(Viewer(uuid.uuid4(), Role.ADMIN))
    assert not LISTING.visible_to(Viewer(uuid.uuid4(), Role.BUYER))
    assert not LISTING.visible_to(ANONYMOUS)


def test_changes_list_only_what_differs_with_json_values() -> None:
    after = Listing.from_snapshot(
        {**LISTING.snapshot(), "price": "90000.00", "status": "available", "title": "Loft"}
    )
    assert field_changes(LISTING, after, ["price", "status", "title"]) == {
        "price": {"old": "100000.00", "new": "90000.00"},
        "status": {"old": "off_market", "new": "available"},
    }


def test_create_requires_the_essential_fields() -> None:
    with pytest.raises(BadUserInput) as refused:
        check_listing_fields({"title": "x"}, creating=True)
    assert refused.value.field == "input.price"


def test_fields_are_normalised() -> None:
    checked = check_listing_fields(
        {"title": "  Big   house ", "zip_code": " 02116 ", "currency": "eur", "price": "1"}
    )
    assert checked == {
        "title": "Big house",
        "zip_code": "02116",
        "currency": "EUR",
        "price": Decimal("1.00"),
    }


def test_price_range_must_not_be_inverted() -> None:
    assert check_price_range(Decimal(1), Decimal(1)) == (Decimal("1.00"), Decimal("1.00"))
    with pytest.raises(BadUserInput) as refused:
        check_price_range(Decimal(2), Decimal(1))
    assert refused.value.field == "filter.minPrice"
