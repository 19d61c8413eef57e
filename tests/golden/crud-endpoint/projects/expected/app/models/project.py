"""Pydantic models for the projects resource."""

from pydantic import BaseModel, ConfigDict, field_validator


class ProjectBase(BaseModel):
    """Fields shared by every Project model."""

    model_config = ConfigDict(extra="forbid")

    title: str
    priority: int
    budget: float | None = None
    archived: bool | None = None


class ProjectCreate(ProjectBase):
    """Body of POST /projects/."""


class ProjectUpdate(BaseModel):
    """Body of PATCH /projects/{id}: fields left out keep their current value."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    priority: int | None = None
    budget: float | None = None
    archived: bool | None = None

    @field_validator("title", "priority")
    @classmethod
    def reject_null(cls, value: object) -> object:
        """A required field may be left out of an update, but not set to null."""
        if value is None:
            raise ValueError("this field is required and cannot be null")
        return value


class Project(ProjectBase):
    """A stored project, as returned by the API."""

    id: int
