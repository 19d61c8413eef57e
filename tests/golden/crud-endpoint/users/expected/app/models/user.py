"""Pydantic models for the users resource."""

from pydantic import BaseModel, ConfigDict, field_validator


class UserBase(BaseModel):
    """Fields shared by every User model."""

    model_config = ConfigDict(extra="forbid")

    name: str
    email: str | None = None


class UserCreate(UserBase):
    """Body of POST /users/."""


class UserUpdate(BaseModel):
    """Body of PATCH /users/{id}: fields left out keep their current value."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    email: str | None = None

    @field_validator("name")
    @classmethod
    def reject_null(cls, value: object) -> object:
        """A required field may be left out of an update, but not set to null."""
        if value is None:
            raise ValueError("this field is required and cannot be null")
        return value


class User(UserBase):
    """A stored user, as returned by the API."""

    id: int
