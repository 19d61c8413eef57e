"""Tests for the /users endpoints, called through the application (app.main)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api.users import UserRepository, get_repository
from app.main import app

URL = "/users/"
ITEM_ROUTE = "/users/{user_id}"
PAYLOAD: dict[str, object] = {
    "name": "example",
    "email": "example",
}
CHANGES: dict[str, object] = {
    "name": "changed",
    "email": "changed",
}


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A client for the application, with a fresh empty repository."""
    repository = UserRepository()
    app.dependency_overrides[get_repository] = lambda: repository
    try:
        with TestClient(app) as test_client:
            yield test_client
    finally:
        del app.dependency_overrides[get_repository]


def test_users_routes_are_in_the_application() -> None:
    paths = app.openapi()["paths"]
    assert sorted(paths[URL]) == ["get", "post"]
    assert sorted(paths[ITEM_ROUTE]) == ["delete", "get", "patch"]


def create(client: TestClient, payload: dict[str, object]) -> dict[str, object]:
    """POST a new user and return it as the API sent it back."""
    response = client.post(URL, json=payload)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_create_user(client: TestClient) -> None:
    assert create(client, PAYLOAD) == {"id": 1, **PAYLOAD}
    assert create(client, PAYLOAD)["id"] == 2


def test_create_user_required_only(client: TestClient) -> None:
    optional = ["email"]
    payload = {key: value for key, value in PAYLOAD.items() if key not in optional}
    expected = {"id": 1, **payload, **dict.fromkeys(optional, None)}
    assert create(client, payload) == expected


def test_create_user_missing_field(client: TestClient) -> None:
    payload = dict(PAYLOAD)
    del payload["name"]
    assert client.post(URL, json=payload).status_code == 422


def test_create_user_unknown_field(client: TestClient) -> None:
    assert client.post(URL, json={**PAYLOAD, "unknown": 1}).status_code == 422


def test_list_users(client: TestClient) -> None:
    assert client.get(URL).json() == []
    first, second = create(client, PAYLOAD), create(client, CHANGES)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == [first, second]


def test_read_user(client: TestClient) -> None:
    created = create(client, PAYLOAD)
    response = client.get(f"{URL}{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_read_user_not_found(client: TestClient) -> None:
    response = client.get(f"{URL}999")
    assert response.status_code == 404
    assert response.json() == {"detail": "User 999 not found"}


def test_update_user(client: TestClient) -> None:
    created = create(client, PAYLOAD)
    item_url = f"{URL}{created['id']}"
    response = client.patch(item_url, json=CHANGES)
    assert response.status_code == 200
    assert response.json() == {"id": created["id"], **CHANGES}
    assert client.get(item_url).json() == response.json()


def test_update_user_partial(client: TestClient) -> None:
    created = create(client, PAYLOAD)
    response = client.patch(f"{URL}{created['id']}", json={})
    assert response.status_code == 200
    assert response.json() == created
    field = "name"
    response = client.patch(f"{URL}{created['id']}", json={field: CHANGES[field]})
    assert response.status_code == 200
    assert response.json() == {**created, field: CHANGES[field]}


def test_update_user_null_required(client: TestClient) -> None:
    created = create(client, PAYLOAD)
    field = "name"
    response = client.patch(f"{URL}{created['id']}", json={field: None})
    assert response.status_code == 422


def test_update_user_null_optional(client: TestClient) -> None:
    created = create(client, PAYLOAD)
    field = "email"
    response = client.patch(f"{URL}{created['id']}", json={field: None})
    assert response.status_code == 200
    assert response.json() == {**created, field: None}


def test_update_user_not_found(client: TestClient) -> None:
    response = client.patch(f"{URL}999", json=CHANGES)
    assert response.status_code == 404
    assert response.json() == {"detail": "User 999 not found"}


def test_delete_user(client: TestClient) -> None:
    created = create(client, PAYLOAD)
    item_url = f"{URL}{created['id']}"
    response = client.delete(item_url)
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(item_url).status_code == 404
    assert client.get(URL).json() == []


def test_delete_user_not_found(client: TestClient) -> None:
    response = client.delete(f"{URL}999")
    assert response.status_code == 404
    assert response.json() == {"detail": "User 999 not found"}
