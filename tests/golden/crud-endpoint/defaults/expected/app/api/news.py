"""CRUD endpoints for news, mounted under /news."""

import itertools
import threading
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from app.models.news import News, NewsCreate, NewsUpdate

router = APIRouter(prefix="/news", tags=["news"])


class NewsRepository:
    """In-memory News storage, safe to share between request threads.

    Replace it (e.g. with a database-backed class with the same methods) through
    ``app.dependency_overrides[get_repository]``.
    """

    def __init__(self) -> None:
        self._items: dict[int, News] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def list_all(self) -> list[News]:
        with self._lock:
            return list(self._items.values())

    def get(self, item_id: int) -> News | None:
        with self._lock:
            return self._items.get(item_id)

    def add(self, data: NewsCreate) -> News:
        with self._lock:
            item = News(id=next(self._ids), **data.model_dump())
            self._items[item.id] = item
            return item

    def update(self, item_id: int, changes: NewsUpdate) -> News | None:
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


_repository = NewsRepository()


def get_repository() -> NewsRepository:
    """Dependency returning the repository the endpoints use."""
    return _repository


RepositoryDep = Annotated[NewsRepository, Depends(get_repository)]


def _not_found(item_id: int) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_404_NOT_FOUND,
        detail=f"News {item_id} not found",
    )


@router.post("/", status_code=status.HTTP_201_CREATED)
def create_news(
    data: NewsCreate,
    repository: RepositoryDep,
) -> News:
    return repository.add(data)


@router.get("/")
def list_news(repository: RepositoryDep) -> list[News]:
    return repository.list_all()


@router.get("/{news_id}")
def read_news(
    news_id: int,
    repository: RepositoryDep,
) -> News:
    item = repository.get(news_id)
    if item is None:
        raise _not_found(news_id)
    return item


@router.patch("/{news_id}")
def update_news(
    news_id: int,
    changes: NewsUpdate,
    repository: RepositoryDep,
) -> News:
    item = repository.update(news_id, changes)
    if item is None:
        raise _not_found(news_id)
    return item


@router.delete("/{news_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_news(
    news_id: int,
    repository: RepositoryDep,
) -> None:
    if not repository.remove(news_id):
        raise _not_found(news_id)
