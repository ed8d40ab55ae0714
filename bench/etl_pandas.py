"""The ETL of bench_etl.sh done with pandas (Debian's python3-pandas), for the ratio.

Reads the raw zone's zstd NDJSON segments, drops repeated event_ids, sessionizes (30
minutes), builds fact_events, fact_sessions, agg_daily_funnel, agg_item_stats,
dim_visitor, dim_item and item_item (top 20 by sessions + 2 carted + 4 bought, first 50
items of a session) and stores every table in a SQLite file. Debian 12 has no pyarrow,
so the Parquet files the other two write are left out: pandas does less work here.

    python3 etl_pandas.py RAW_EVENTS_DIR OUT.sqlite
Prints one JSON line: {"rows": events kept, "seconds": wall time}.
"""
import glob
import io
import json
import sqlite3
import sys
import time

import pandas as pd
import zstandard

GAP_MS = 30 * 60 * 1000


def read_raw(root):
    """Every segment's lines, decompressed, as one DataFrame."""
    dctx = zstandard.ZstdDecompressor()
    chunks = []
    for path in sorted(glob.glob(root + "/**/*.ndjson.zst", recursive=True)):
        with open(path, "rb") as f:
            chunks.append(dctx.stream_reader(f, read_across_frames=True).read())
    text = b"".join(chunks)
    return pd.read_json(io.BytesIO(text), lines=True, dtype={
        "visitor_id": str, "item_id": str, "category_id": str, "event_id": str,
        "transaction_id": str, "event": str})


def sessionize(ev):
    ev = ev.drop_duplicates("event_id").sort_values(["visitor_id", "ts"], kind="stable")
    gap = ev["ts"].diff()
    starts = (ev["visitor_id"] != ev["visitor_id"].shift()) | (gap > GAP_MS)
    n = starts.cumsum()
    first = ev["ts"].groupby(n).transform("min")
    ev = ev.assign(sid=ev["visitor_id"] + "-" + first.astype(str),
                   event_date=pd.to_datetime(ev["ts"], unit="ms").dt.strftime("%Y-%m-%d"))
    return ev.reset_index(drop=True)


def tables(p):
    is_view, is_cart = p["event"] == "view", p["event"] == "addtocart"
    is_remove, is_buy = p["event"] == "removefromcart", p["event"] == "transaction"
    p = p.assign(v=is_view.astype(int), c=is_cart.astype(int), r=is_remove.astype(int),
                 b=is_buy.astype(int),
                 cart_price=p["price"].where(is_cart, 0.0).fillna(0.0),
                 buy_price=p["price"].where(is_buy, 0.0).fillna(0.0))
    out = {}
    fe = p.sort_values(["event_date", "sid", "ts"], kind="stable")
    out["fact_events"] = fe.assign(
        hour=pd.to_datetime(fe["ts"], unit="ms").dt.hour,
        session_seq=fe.groupby(["event_date", "sid"]).cumcount() + 1)[
        ["ts", "hour", "sid", "session_seq", "visitor_id", "item_id", "category_id", "event",
         "price", "transaction_id", "event_date"]]
    g = p.groupby(["event_date", "sid"])
    fs = g.agg(visitor_id=("visitor_id", "first"), start_ts=("ts", "min"), end_ts=("ts", "max"),
               events=("ts", "size"), views=("v", "sum"), carts=("c", "sum"),
               removes=("r", "sum"), purchases=("b", "sum"), items=("item_id", "nunique"),
               cart_value=("cart_price", "sum")).reset_index()
    fs["duration_ms"] = fs["end_ts"] - fs["start_ts"]
    fs["purchased"] = fs["purchases"] > 0
    out["fact_sessions"] = fs
    out["agg_daily_funnel"] = fs.groupby("event_date").agg(
        views=("views", "sum"), carts=("carts", "sum"), purchases=("purchases", "sum"),
        visitors=("visitor_id", "nunique"), sessions=("sid", "size"),
        cart_sessions=("carts", lambda s: int((s > 0).sum())),
        purchase_sessions=("purchased", "sum")).reset_index()
    out["agg_item_stats"] = p.groupby(["event_date", "item_id"]).agg(
        views=("v", "sum"), carts=("c", "sum"), removes=("r", "sum"), purchases=("b", "sum"),
        revenue=("buy_price", "sum"), visitors=("visitor_id", "nunique"),
        sessions=("sid", "nunique")).reset_index()
    out["dim_visitor"] = p.groupby("visitor_id").agg(
        first_seen=("ts", "min"), last_seen=("ts", "max"), active_days=("event_date", "nunique"),
        sessions=("sid", "nunique"), events=("ts", "size"), views=("v", "sum"),
        carts=("c", "sum"), removes=("r", "sum"), purchases=("b", "sum"),
        revenue=("buy_price", "sum")).reset_index()
    by_ts = p.sort_values("ts", kind="stable")
    last = by_ts.groupby("item_id").agg(category_id=("category_id", "last"),
                                        last_price=("price", "last"))
    out["dim_item"] = p.groupby("item_id").agg(
        first_seen=("ts", "min"), last_seen=("ts", "max"), views=("v", "sum"),
        carts=("c", "sum"), removes=("r", "sum"), purchases=("b", "sum"),
        revenue=("buy_price", "sum")).join(last).reset_index()
    # item_item: distinct items per session (first 50 by first sight), paired
    e = p.groupby(["event_date", "sid", "item_id"]).agg(
        first_ts=("ts", "min"), c=("c", "max"), b=("b", "max")).reset_index()
    e = e.sort_values(["event_date", "sid", "first_ts", "item_id"], kind="stable")
    e = e[e.groupby(["event_date", "sid"]).cumcount() < 50]
    pairs = e.merge(e, on=["event_date", "sid"], suffixes=("", "_o"))
    pairs = pairs[pairs["item_id"] != pairs["item_id_o"]]
    pairs = pairs.assign(cc=pairs["c"] & pairs["c_o"], bb=pairs["b"] & pairs["b_o"])
    ii = pairs.groupby(["item_id", "item_id_o"]).agg(
        sessions=("sid", "size"), carted=("cc", "sum"), bought=("bb", "sum")).reset_index()
    ii["score"] = ii["sessions"] + 2 * ii["carted"] + 4 * ii["bought"]
    ii = ii.sort_values(["item_id", "score", "item_id_o"], ascending=[True, False, True],
                        kind="stable")
    ii["rank"] = ii.groupby("item_id").cumcount() + 1
    out["item_item"] = ii[ii["rank"] <= 20].rename(columns={"item_id_o": "other_item_id"})
    return out


def main():
    raw, db = sys.argv[1], sys.argv[2]
    t0 = time.time()
    p = sessionize(read_raw(raw))
    out = tables(p)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode = WAL")
    for name, df in out.items():
        df.to_sql(name, con, if_exists="replace", index=False, chunksize=100000)
    con.commit()
    con.close()
    print(json.dumps({"rows": int(len(p)), "seconds": round(time.time() - t0, 3)}))


if __name__ == "__main__":
    main()
