"""Pydantic request and response bodies."""
from decimal import Decimal

from pydantic import BaseModel, EmailStr, Field


class ProductOut(BaseModel):
    id: int
    slug: str
    name: str
    price: Decimal
    stock: int

    model_config = {"from_attributes": True}


class ProductPage(BaseModel):
    items: list[ProductOut]
    page: int
    page_size: int
    total: int


class OrderItemIn(BaseModel):
    product_id: int
    quantity: int = Field(gt=0, le=50)


class OrderIn(BaseModel):
    items: list[OrderItemIn] = Field(min_length=1)
    payment_token: str


class OrderOut(BaseModel):
    id: int
    status: str
    total: Decimal
    transaction_id: str | None = None


class LoginIn(BaseModel):
    email: EmailStr
    password: str


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
