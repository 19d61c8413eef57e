"""CRUD endpoints for users, mounted under /users."""

import itertools
import threading
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from app.models.user import User, UserCreate, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


class UserRepository:
    """In-memory User storage, safe to share between request threads.

    Replace it (e.g. with a database-backed class with the same methods) through
    ``app.dependency_overrides[get_repository]``.
    """

    def __init__(self) -> None:
        self._items: dict[int, User] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def list_all(self) -> list[User]:
        with self._lock:
            return list(self._items.values())

    def get(self, item_id: int) -> User | None:
        with self._lock:
            return self._items.get(item_id)

    def add(self, data: UserCreate) -> User:
        with self._lock:
            item = User(id=next(self._ids), **data.model_dump())
            self._items[item.id] = item
            return item

    def update(self, item_id: int, changes: UserUpdate) -> User | None:
        with self._lock:
            item = self._items.get(item_id)
            if item is None:
                return None
            item = item.model_copy(update=changes.model_dump(exclude_unset=True))
            self._items[item_id] = item
            return item

    def remove(self, item_id: int) -> bool:
        with self._lock:
            return self._items.pop(item_id, None) is not None


_repository = UserRepository()


def get_repository() -> UserRepository:
    """Dependency returning the repository the endpoints use."""
    return _repository


RepositoryDep = Annotated[UserRepository, Depends(get_repository)]


def _not_found(item_id: int) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_404_NOT_FOUND,
        detail=f"User {item_id} not found",
    )


@router.post("/", status_code=status.HTTP_201_CREATED)
def create_user(
    data: UserCreate,
    repository: RepositoryDep,
) -> User:
    return repository.add(data)


@router.get("/")
def list_users(repository: RepositoryDep) -> list[User]:
    return repository.list_all()


@router.get("/{user_id}")
def read_user(
    user_id: int,
    repository: RepositoryDep,
) -> User:
    item = repository.get(user_id)
    if item is None:
        raise _not_found(user_id)
    return item


@router.patch("/{user_id}")
def update_user(
    user_id: int,
    changes: UserUpdate,
    repository: RepositoryDep,
) -> User:
    item = repository.update(user_id, changes)
    if item is None:
        raise _not_found(user_id)
    return item


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(
    user_id: int,
    repository: RepositoryDep,
) -> None:
    if not repository.remove(user_id):
        raise _not_found(user_id)
