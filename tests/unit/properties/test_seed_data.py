from datetime import UTC, datetime

from subgraphs.properties.seed import demo_listings

IMAGES = {
    kind: [(f"demo/{kind}-{i}.jpg", f"http://x/{kind}-{i}.jpg", 100) for i in range(3)]
    for kind in ("exterior", "interior", "land", "commercial")
}
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def test_demo_listings_are_the_same_every_time() -> None:
    first = demo_listings(IMAGES, NOW, count=50)
    second = demo_listings(IMAGES, NOW, count=50)
    assert [x.snapshot() for x in first] == [x.snapshot() for x in second]
    assert len({x.id for x in first}) == 50


def test_demo_prices_follow_type_and_size() -> None:
    listings = demo_listings(IMAGES, NOW, count=600)
    for listing in listings:
        if listing.type.value == "land":
            assert listing.floor_area is None and listing.no_of_bed_rooms == 0
            assert [p.key.split("/")[1].split("-")[0] for p in listing.photos] == ["land"]
        else:
            assert listing.floor_area is not None and listing.floor_area > 0
            assert listing.no_of_bath_rooms >= 1
        assert listing.price % 1000 == 0
        assert listing.photos[0].is_cover and not any(p.is_cover for p in listing.photos[1:])
    boston = [x.price for x in listings if "Boston" in x.address and x.type.value == "condo"]
    chicago = [x.price for x in listings if "Chicago" in x.address and x.type.value == "condo"]
    assert sum(boston) / len(boston) > sum(chicago) / len(chicago)
