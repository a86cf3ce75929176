-- 062_kraken_coinbase.sql - Kraken and Coinbase Exchange, the spot markets
-- mdx-extract fetches from through their public REST APIs, as lib/market.c
-- lists them (tests/markets.t compares the two).
--
-- A warehouse may hold their rows already, made on demand by mdx-load
-- for records that named them before this migration: the rows are made
-- or brought to what lib/market.c says.

INSERT INTO mdx.exchange (exchange, name, url) VALUES
    ('kraken', 'Kraken', 'https://api.kraken.com'),
    ('coinbase', 'Coinbase Exchange', 'https://api.exchange.coinbase.com')
ON CONFLICT (exchange) DO UPDATE
    SET name = excluded.name, url = excluded.url;

INSERT INTO mdx.market (exchange, market, contract, description) VALUES
    ('kraken', 'spot', 'spot', 'Kraken spot'),
    ('coinbase', 'spot', 'spot', 'Coinbase Exchange spot')
ON CONFLICT (exchange, market) DO UPDATE
    SET contract = excluded.contract, description = excluded.description;
