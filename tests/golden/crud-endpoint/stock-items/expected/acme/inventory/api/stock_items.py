"""CRUD endpoints for stock_items, mounted under /stock_items."""

import itertools
import threading
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from acme.inventory.models.stock_item import StockItem, StockItemCreate, StockItemUpdate

router = APIRouter(prefix="/stock_items", tags=["stock_items"])


class StockItemRepository:
    """In-memory StockItem storage, safe to share between request threads.

    Replace it (e.g. with a database-backed class with the same methods) through
    ``app.dependency_overrides[get_repository]``.
    """

    def __init__(self) -> None:
        self._items: dict[int, StockItem] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def list_all(self) -> list[StockItem]:
        with self._lock:
            return list(self._items.values())

    def get(self, item_id: int) -> StockItem | None:
        with self._lock:
            return self._items.get(item_id)

    def add(self, data: StockItemCreate) -> StockItem:
        with self._lock:
            item = StockItem(id=next(self._ids), **data.model_dump())
            self._items[item.id] = item
            return item

    def update(self, item_id: int, changes: StockItemUpdate) -> StockItem | None:
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


_repository = StockItemRepository()


def get_repository() -> StockItemRepository:
    """Dependency returning the repository the endpoints use."""
    return _repository


RepositoryDep = Annotated[StockItemRepository, Depends(get_repository)]


def _not_found(item_id: int) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_404_NOT_FOUND,
        detail=f"StockItem {item_id} not found",
    )


@router.post("/", status_code=status.HTTP_201_CREATED)
def create_stock_item(
    data: StockItemCreate,
    repository: RepositoryDep,
) -> StockItem:
    return repository.add(data)


@router.get("/")
def list_stock_items(repository: RepositoryDep) -> list[StockItem]:
    return repository.list_all()


@router.get("/{stock_item_id}")
def read_stock_item(
    stock_item_id: int,
    repository: RepositoryDep,
) -> StockItem:
    item = repository.get(stock_item_id)
    if item is None:
        raise _not_found(stock_item_id)
    return item


@router.patch("/{stock_item_id}")
def update_stock_item(
    stock_item_id: int,
    changes: StockItemUpdate,
    repository: RepositoryDep,
) -> StockItem:
    item = repository.update(stock_item_id, changes)
    if item is None:
        raise _not_found(stock_item_id)
    return item


@router.delete("/{stock_item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_stock_item(
    stock_item_id: int,
    repository: RepositoryDep,
) -> None:
    if not repository.remove(stock_item_id):
        raise _not_found(stock_item_id)
