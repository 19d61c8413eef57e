"""Pydantic models for the news resource."""

from pydantic import BaseModel, ConfigDict, field_validator


class NewsBase(BaseModel):
    """Fields shared by every News model."""

    model_config = ConfigDict(extra="forbid")

    name: str


class NewsCreate(NewsBase):
    """Body of POST /news/."""


class NewsUpdate(BaseModel):
    """Body of PATCH /news/{id}: fields left out keep their current value."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None

    @field_validator("name")
    @classmethod
    def reject_null(cls, value: object) -> object:
        """A required field may be left out of an update, but not set to null."""
        if value is None:
            raise ValueError("this field is required and cannot be null")
        return value


class News(NewsBase):
    """A stored news, as returned by the API."""

    id: int
