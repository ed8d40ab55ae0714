"""The old stack's prediction service, for bench_predict to measure against: FastAPI on
uvicorn, the session's feature vector read from Redis (one key per session, as a Feast
online store holds an entity's features), XGBoost's Python package predicting one row.

Environment: PEER_MODEL (an XGBoost JSON model), PEER_REDIS (redis://host:port/db).
POST /predict {"session_id": ...} -> {"probability": p}; GET /health.
"""
import json
import os

import numpy as np
import redis
import xgboost
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

booster = xgboost.Booster()
booster.load_model(os.environ["PEER_MODEL"])
store = redis.Redis.from_url(os.environ["PEER_REDIS"])
app = FastAPI()


class Request(BaseModel):
    session_id: str
    visitor_id: str | None = None
    item_id: str | None = None
    category_id: str | None = None


@app.get("/health")
def health():
    return {"ok": True}


@app.post("/predict")
def predict(req: Request):
    raw = store.get("peer:" + req.session_id)
    if raw is None:
        raise HTTPException(status_code=404, detail="unknown session")
    row = np.array([[np.nan if v is None else v for v in json.loads(raw)]], dtype=np.float32)
    p = float(booster.predict(xgboost.DMatrix(row, missing=np.nan))[0])
    return {"probability": p}
