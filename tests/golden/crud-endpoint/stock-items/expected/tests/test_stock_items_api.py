"""Tests for the /stock_items endpoints, called through the application (acme.inventory.main)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from acme.inventory.api.stock_items import StockItemRepository, get_repository
from acme.inventory.main import app

URL = "/stock_items/"
ITEM_ROUTE = "/stock_items/{stock_item_id}"
PAYLOAD: dict[str, object] = {
    "sku": "example",
    "quantity": 1,
    "unit_price": 1.5,
    "discontinued": True,
}
CHANGES: dict[str, object] = {
    "sku": "changed",
    "quantity": 2,
    "unit_price": 2.5,
    "discontinued": False,
}


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A client for the application, with a fresh empty repository."""
    repository = StockItemRepository()
    app.dependency_overrides[get_repository] = lambda: repository
    try:
        with TestClient(app) as test_client:
            yield test_client
    finally:
        del app.dependency_overrides[get_repository]


def test_stock_items_routes_are_in_the_application() -> None:
    paths = app.openapi()["paths"]
    assert sorted(paths[URL]) == ["get", "post"]
    assert sorted(paths[ITEM_ROUTE]) == ["delete", "get", "patch"]


def create(client: TestClient, payload: dict[str, object]) -> dict[str, object]:
    """POST a new stock item and return it as the API sent it back."""
    response = client.post(URL, json=payload)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_create_stock_item(client: TestClient) -> None:
    assert create(client, PAYLOAD) == {"id": 1, **PAYLOAD}
    assert create(client, PAYLOAD)["id"] == 2


def test_create_stock_item_missing_field(client: TestClient) -> None:
    payload = dict(PAYLOAD)
    del payload["sku"]
    assert client.post(URL, json=payload).status_code == 422


def test_create_stock_item_unknown_field(client: TestClient) -> None:
    assert client.post(URL, json={**PAYLOAD, "unknown": 1}).status_code == 422


def test_list_stock_items(client: TestClient) -> None:
    assert client.get(URL).json() == []
    first, second = create(client, PAYLOAD), create(client, CHANGES)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == [first, second]


def test_read_stock_item(client: TestClient) -> None:
    created = create(client, PAYLOAD)
    response = client.get(f"{URL}{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_read_stock_item_not_found(client: TestClient) -> None:
    response = client.get(f"{URL}999")
    assert response.status_code == 404
    assert response.json() == {"detail": "StockItem 999 not found"}


def test_update_stock_item(client: TestClient) -> None:
    created = create(client, PAYLOAD)
    item_url = f"{URL}{created['id']}"
    response = client.patch(item_url, json=CHANGES)
    assert response.status_code == 200
    assert response.json() == {"id": created["id"], **CHANGES}
    assert client.get(item_url).json() == response.json()


def test_update_stock_item_partial(client: TestClient) -> None:
    created = create(client, PAYLOAD)
    response = client.patch(f"{URL}{created['id']}", json={})
    assert response.status_code == 200
    assert response.json() == created
    field = "sku"
    response = client.patch(f"{URL}{created['id']}", json={field: CHANGES[field]})
    assert response.status_code == 200
    assert response.json() == {**created, field: CHANGES[field]}


def test_update_stock_item_null_required(client: TestClient) -> None:
    created = create(client, PAYLOAD)
    field = "sku"
    response = client.patch(f"{URL}{created['id']}", json={field: None})
    assert response.status_code == 422


def test_update_stock_item_not_found(client: TestClient) -> None:
    response = client.patch(f"{URL}999", json=CHANGES)
    assert response.status_code == 404
    assert response.json() == {"detail": "StockItem 999 not found"}


def test_delete_stock_item(client: TestClient) -> None:
    created = create(client, PAYLOAD)
    item_url = f"{URL}{created['id']}"
    response = client.delete(item_url)
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(item_url).status_code == 404
    assert client.get(URL).json() == []


def test_delete_stock_item_not_found(client: TestClient) -> None:
    response = client.delete(f"{URL}999")
    assert response.status_code == 404
    assert response.json() == {"detail": "StockItem 999 not found"}
