import pytest

from geotiles.bbox import BBox, bbox_area, count_tiles, tiles_in_bbox


def test_parse():
    assert BBox.parse("1,2,3,4") == BBox(1.0, 2.0, 3.0, 4.0)


def test_parse_rejects_wrong_arity():
    with pytest.raises(ValueError):
        BBox.parse("1,2,3")


def test_tiles_in_bbox_zoom_zero(swiss_bbox):
    assert list(tiles_in_bbox(swiss_bbox, 0)) == [next(iter(tiles_in_bbox(swiss_bbox, 0)))]


def test_count_grows_with_zoom(swiss_bbox):
    assert count_tiles(swiss_bbox, 8, 8) < count_tiles(swiss_bbox, 9, 9)


def test_antimeridian_rejected():
    with pytest.raises(ValueError):
        list(tiles_in_bbox(BBox(170.0, -10.0, -170.0, 10.0), 4))


def test_area(swiss_bbox):
    assert bbox_area(swiss_bbox) == pytest.approx(4.7 * 2.05)
