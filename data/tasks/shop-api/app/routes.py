"""HTTP routes."""
from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import auth, payments
from app.cache import cache_key, get_cached, set_cached
from app.db import get_session
from app.models import Order, OrderItem, Product, User
from app.schemas import LoginIn, OrderIn, OrderOut, ProductOut, ProductPage, TokenOut
from app.utils import paginate

router = APIRouter()


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/products", response_model=ProductPage)
def list_products(page: int = 1, page_size: int = 20, db: Session = Depends(get_session)):
    key = cache_key("products", page, page_size)
    if (hit := get_cached(key)) is not None:
        return hit
    offset, limit = paginate(page, page_size)
    rows = db.scalars(select(Product).where(Product.active).offset(offset).limit(limit)).all()
    total = db.scalar(select(func.count()).select_from(Product).where(Product.active))
    result = {"items": [ProductOut.model_validate(r).model_dump() for r in rows],
              "page": page, "page_size": limit, "total": total}
    set_cached(key, result)
    return result


@router.get("/products/{product_id}", response_model=ProductOut)
def get_product(product_id: int, db: Session = Depends(get_session)):
    product = db.get(Product, product_id)
    if product is None or not product.active:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "product not found")
    return product


@router.post("/orders", response_model=OrderOut, status_code=status.HTTP_201_CREATED)
def create_order(body: OrderIn, db: Session = Depends(get_session)):
    # TODO: take the user from the bearer token instead of hard-coding id 1
    order = Order(user_id=1)
    for item in body.items:
        product = db.get(Product, item.product_id)
        if product is None or product.stock < item.quantity:
            raise HTTPException(status.HTTP_409_CONFLICT, f"product {item.product_id} unavailable")
        product.stock -= item.quantity
        order.items.append(OrderItem(product_id=product.id, quantity=item.quantity,
                                     unit_price=product.price))
    db.add(order)
    db.flush()
    txn = payments.charge(order.id, order.total(), body.payment_token)
    order.status = "paid"
    db.commit()
    return OrderOut(id=order.id, status=order.status, total=order.total(), transaction_id=txn)


@router.post("/login", response_model=TokenOut)
def login(body: LoginIn, db: Session = Depends(get_session)):
    user = db.scalar(select(User).where(User.email == body.email))
    if user is None or auth.is_locked_out(user.failed_logins):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid credentials")
    if not auth.verify_password(body.password, user.password_hash):
        user.failed_logins += 1
        db.commit()
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid credentials")
    user.failed_logins = 0
    db.commit()
    token = auth.create_access_token(user.id)
    return TokenOut(access_token=token, expires_in=auth.TOKEN_EXPIRY_MINUTES * 60)
