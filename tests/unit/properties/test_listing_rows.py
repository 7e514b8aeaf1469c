"""A listing read from a row builds its photos only when they are read (the cover's snapshot
comes from its row, no photo built), and is then the same listing as one built with its
photos."""

import dataclasses
import json
import pickle
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from subgraphs.properties.records import Listing, Photo, PropertyStatus, PropertyType
from subgraphs.properties.repository import listing_of_row

PHOTOS = (
    Photo(uuid.uuid4(), "a.jpg", "http://x/a.jpg", "image/jpeg", 4, 3, 10, 0, False),
    Photo(uuid.uuid4(), "b.jpg", "http://x/b.jpg", "image/jpeg", 4, 3, 20, 1, True),
)
EAGER = Listing(
    id=uuid.uuid4(),
    title="Loft",
    description="Bright",
    price=Decimal("100000.00"),
    currency="USD",
    type=PropertyType.CONDO,
    address="1 Main St, Austin, TX",
    zip_code="78701",
    owner_id=uuid.uuid4(),
    no_of_bed_rooms=1,
    no_of_bath_rooms=1,
    no_of_toilets=1,
    latitude=30.0,
    longitude=-97.0,
    status=PropertyStatus.AVAILABLE,
    floor_area=Decimal("55"),
    created_at=datetime(2025, 1, 1, tzinfo=UTC),
    updated_at=datetime(2025, 1, 2, tzinfo=UTC),
    version=3,
    photos=PHOTOS,
)


def row(photos: object) -> dict[str, object]:
    values = {f.name: getattr(EAGER, f.name) for f in dataclasses.fields(Listing)}
    values.update(type="condo", status="available", photos=photos)
    return values


def test_a_row_listing_gives_its_cover_from_the_row_then_builds_all_photos_when_read() -> None:
    snapshots = [p.snapshot() for p in PHOTOS]
    listing = listing_of_row(row(snapshots))
    assert "photos" not in vars(listing)
    assert listing.cover_photo_snapshot() == PHOTOS[1].snapshot()
    assert "photos" not in vars(listing)
    assert listing.photos == PHOTOS
    assert listing.photos is listing.photos
    assert listing.cover_photo_snapshot() == PHOTOS[1].snapshot()


def test_a_row_listing_equals_the_eager_one_whichever_form_the_photos_come_in() -> None:
    for photos in ([p.snapshot() for p in PHOTOS], json.dumps([p.snapshot() for p in PHOTOS])):
        listing = listing_of_row(row(photos))
        assert listing == EAGER
        assert hash(listing) == hash(EAGER)
        assert listing.snapshot() == EAGER.snapshot()
        assert pickle.loads(pickle.dumps(listing_of_row(row(photos)))) == EAGER
        assert dataclasses.replace(listing_of_row(row(photos)), version=4).photos == PHOTOS
    empty = listing_of_row(row(None))
    assert empty.cover_photo_snapshot() is None and empty.photos == ()
    assert EAGER.cover_photo_snapshot() == PHOTOS[1].snapshot()
