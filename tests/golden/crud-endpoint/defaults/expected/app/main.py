"""The FastAPI application: it includes the router of every resource.

Serve it with ``uvicorn app.main:app``. Each resource scaffolded with the
crud-endpoint blueprint adds its import below the last import line and its
include_router line at the end of this module, once; the rest is yours to edit.
"""

from fastapi import FastAPI
from app.api.news import router as news_router

app = FastAPI()
app.include_router(news_router)
