"""Pydantic models for the stock_items resource."""

from pydantic import BaseModel, ConfigDict, field_validator


class StockItemBase(BaseModel):
    """Fields shared by every StockItem model."""

    model_config = ConfigDict(extra="forbid")

    sku: str
    quantity: int
    unit_price: float
    discontinued: bool


class StockItemCreate(StockItemBase):
    """Body of POST /stock_items/."""


class StockItemUpdate(BaseModel):
    """Body of PATCH /stock_items/{id}: fields left out keep their current value."""

    model_config = ConfigDict(extra="forbid")

    sku: str | None = None
    quantity: int | None = None
    unit_price: float | None = None
    discontinued: bool | None = None

    @field_validator("sku", "quantity", "unit_price", "discontinued")
    @classmethod
    def reject_null(cls, value: object) -> object:
        """A required field may be left out of an update, but not set to null."""
        if value is None:
            raise ValueError("this field is required and cannot be null")
        return value


class StockItem(StockItemBase):
    """A stored stock item, as returned by the API."""

    id: int
