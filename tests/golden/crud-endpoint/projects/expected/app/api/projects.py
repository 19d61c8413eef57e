"""CRUD endpoints for projects, mounted under /projects."""

import itertools
import threading
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from app.models.project import Project, ProjectCreate, ProjectUpdate

router = APIRouter(prefix="/projects", tags=["projects"])


class ProjectRepository:
    """In-memory Project storage, safe to share between request threads.

    Replace it (e.g. with a database-backed class with the same methods) through
    ``app.dependency_overrides[get_repository]``.
    """

    def __init__(self) -> None:
        self._items: dict[int, Project] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def list_all(self) -> list[Project]:
        with self._lock:
            return list(self._items.values())

    def get(self, item_id: int) -> Project | None:
        with self._lock:
            return self._items.get(item_id)

    def add(self, data: ProjectCreate) -> Project:
        with self._lock:
            item = Project(id=next(self._ids), **data.model_dump())
            self._items[item.id] = item
            return item

    def update(self, item_id: int, changes: ProjectUpdate) -> Project | None:
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


_repository = ProjectRepository()


def get_repository() -> ProjectRepository:
    """Dependency returning the repository the endpoints use."""
    return _repository


RepositoryDep = Annotated[ProjectRepository, Depends(get_repository)]


def _not_found(item_id: int) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_404_NOT_FOUND,
        detail=f"Project {item_id} not found",
    )


@router.post("/", status_code=status.HTTP_201_CREATED)
def create_project(
    data: ProjectCreate,
    repository: RepositoryDep,
) -> Project:
    return repository.add(data)


@router.get("/")
def list_projects(repository: RepositoryDep) -> list[Project]:
    return repository.list_all()


@router.get("/{project_id}")
def read_project(
    project_id: int,
    repository: RepositoryDep,
) -> Project:
    item = repository.get(project_id)
    if item is None:
        raise _not_found(project_id)
    return item


@router.patch("/{project_id}")
def update_project(
    project_id: int,
    changes: ProjectUpdate,
    repository: RepositoryDep,
) -> Project:
    item = repository.update(project_id, changes)
    if item is None:
        raise _not_found(project_id)
    return item


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_project(
    project_id: int,
    repository: RepositoryDep,
) -> None:
    if not repository.remove(project_id):
        raise _not_found(project_id)
