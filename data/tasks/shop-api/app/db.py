"""Database engine and session handling (SQLAlchemy 2.x)."""
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.models import Base

DEFAULT_POOL_SIZE = 10
DEFAULT_MAX_OVERFLOW = 5
POOL_RECYCLE_SECONDS = 1800

_engine: Engine | None = None
SessionLocal = sessionmaker(autoflush=False, expire_on_commit=False)


def get_engine(url: str) -> Engine:
    """Create the engine once and return the same one afterwards."""
    global _engine
    if _engine is None:
        _engine = create_engine(
            url,
            pool_size=DEFAULT_POOL_SIZE,
            max_overflow=DEFAULT_MAX_OVERFLOW,
            pool_recycle=POOL_RECYCLE_SECONDS,
            pool_pre_ping=True,
        )
        SessionLocal.configure(bind=_engine)
    return _engine


def init_db(url: str) -> None:
    """Create all tables that do not exist yet."""
    engine = get_engine(url)
    Base.metadata.create_all(engine)


def get_session() -> Iterator[Session]:
    """FastAPI dependency: yield a session and always close it."""
    session = SessionLocal()
    try:
        yield session
    finally:
        session.close()


def ping(session: Session) -> bool:
    """Return True when the database answers a trivial query."""
    return session.execute(text("SELECT 1")).scalar() == 1
