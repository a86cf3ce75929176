-- 063_open_exchanges.sql - open exchange and market names: a record may
-- name any exchange and market whose codes match [a-z][a-z0-9_-]{0,30}
-- (lib/market.c, mdx_code_valid()), not only the exchanges mdx fetches
-- from; mdx-load creates their mdx.exchange and mdx.market rows through
-- mdx.ensure_market() before the first instrument that names them.
--
-- The rows mdx's migrations seed (the exchanges and markets mdx-extract
-- fetches from, lib/market.c) keep seeded = true; the rows mdx-load
-- creates have seeded = false.  A later migration that seeds an exchange
-- a user may already have imported under the same code inserts with
-- ON CONFLICT DO UPDATE (setting seeded = true), not a plain INSERT.

ALTER TABLE mdx.exchange
    ADD COLUMN seeded boolean NOT NULL DEFAULT true,
    ADD CONSTRAINT exchange_code CHECK (exchange ~ '^[a-z][a-z0-9_-]{0,30}$');
ALTER TABLE mdx.market
    ADD COLUMN seeded boolean NOT NULL DEFAULT true,
    ADD CONSTRAINT market_code CHECK (market ~ '^[a-z][a-z0-9_-]{0,30}$');

COMMENT ON TABLE mdx.exchange IS
    'The exchanges of the warehouse, one row each: those mdx fetches from (seeded) and those records named (created by mdx-load).';
COMMENT ON COLUMN mdx.exchange.exchange IS
    'The exchange code used everywhere in mdx: binance, bybit, okx, kraken, coinbase, or any code matching [a-z][a-z0-9_-]{0,30} that a record names (imported data).';
COMMENT ON COLUMN mdx.exchange.url IS
    'The public REST API base URL of the exchange; NULL for an exchange mdx-load created.';
COMMENT ON COLUMN mdx.exchange.seeded IS
    'true: seeded by a migration, an exchange mdx-extract fetches from (lib/market.c); false: created by mdx-load for the first record that named it.';
COMMENT ON TABLE mdx.market IS
    'The markets of each exchange (spot, futures, swaps): those mdx fetches from (seeded) and those records named (created by mdx-load).';
COMMENT ON COLUMN mdx.market.market IS
    'The market code: binance spot|usdm, bybit spot|linear|inverse, okx spot|swap, kraken spot, coinbase spot, or any code matching [a-z][a-z0-9_-]{0,30} that a record names.';
COMMENT ON COLUMN mdx.market.contract IS
    'spot (base traded for quote), linear (contracts settled in the quote asset) or inverse (contracts settled in the base asset).  A market mdx-load creates is linear or inverse when its code is, else spot; mdx never changes the contract of an existing row, so a user may set it.';
COMMENT ON COLUMN mdx.market.seeded IS
    'true: seeded by a migration, a market mdx-extract fetches from (lib/market.c); false: created by mdx-load for the first record that named it.';

-- Creates the exchange and the market when they are missing, as mdx-load
-- does before the first instrument of a market it has not seen; leaves
-- existing rows alone.  Concurrent callers are safe (ON CONFLICT).  A code
-- outside the pattern fails on the CHECK constraints.
CREATE FUNCTION mdx.ensure_market(p_exchange text, p_market text)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	INSERT INTO mdx.exchange (exchange, name, url, seeded)
	VALUES (p_exchange, p_exchange, NULL, false)
	ON CONFLICT (exchange) DO NOTHING;
	INSERT INTO mdx.market (exchange, market, contract, description, seeded)
	VALUES (p_exchange, p_market,
	    CASE WHEN p_market IN ('linear', 'inverse') THEN p_market
	    ELSE 'spot' END,
	    p_exchange || ' ' || p_market || ' (created by mdx-load)', false)
	ON CONFLICT (exchange, market) DO NOTHING;
$$;
COMMENT ON FUNCTION mdx.ensure_market(text, text) IS
    'Creates the mdx.exchange and mdx.market rows of an exchange and market a record names, when missing (seeded = false; contract linear or inverse when the market code is, else spot).';
REVOKE ALL ON FUNCTION mdx.ensure_market(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mdx.ensure_market(text, text) TO mdx_writer;
