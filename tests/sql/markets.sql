-- markets.sql - pgTAP tests of open exchange names (sql/063): the codes
-- the warehouse takes, the rows mdx.ensure_market() creates, and who may
-- call it.  Run by tests/sql.t after mdx-load --migrate; rolled back.
BEGIN;
SELECT plan(13);

SELECT is((SELECT count(*)::int FROM mdx.market WHERE NOT seeded), 0,
    'a new warehouse has only seeded markets');
SELECT is((SELECT count(*)::int FROM mdx.exchange WHERE NOT seeded), 0,
    'and only seeded exchanges');

SELECT lives_ok($$SELECT mdx.ensure_market('bitstamp', 'spot')$$,
    'ensure_market creates bitstamp spot');
SELECT row_eq($$SELECT exchange, name, url, seeded FROM mdx.exchange
    WHERE exchange = 'bitstamp'$$, ROW('bitstamp'::text, 'bitstamp'::text,
    NULL::text, false),
    'the exchange row: named by its code, no URL, not seeded');
SELECT row_eq($$SELECT contract, seeded FROM mdx.market
    WHERE exchange = 'bitstamp' AND market = 'spot'$$, ROW('spot'::text, false),
    'the market row: spot, not seeded');
SELECT lives_ok($$SELECT mdx.ensure_market('bitstamp', 'spot')$$,
    'asked again: no error');
SELECT is((SELECT count(*)::int FROM mdx.market WHERE exchange = 'bitstamp'), 1,
    'and no second row');

SELECT lives_ok($$SELECT mdx.ensure_market('my_vendor-2', 'inverse'),
    mdx.ensure_market('my_vendor-2', 'linear'),
    mdx.ensure_market('my_vendor-2', 'futures')$$,
    'three markets of another exchange');
SELECT set_eq($$SELECT market, contract FROM mdx.market
    WHERE exchange = 'my_vendor-2'$$,
    $$VALUES ('inverse', 'inverse'), ('linear', 'linear'),
    ('futures', 'spot')$$,
    'linear and inverse by their codes, anything else spot');

SELECT throws_ok($$SELECT mdx.ensure_market('Kraken', 'spot')$$, '23514',
    NULL, 'an exchange code with an uppercase letter is refused');
SELECT throws_ok($$SELECT mdx.ensure_market('bitstamp', 'spot market')$$,
    '23514', NULL, 'a market code with a blank is refused');
SELECT throws_ok($$SELECT mdx.ensure_market(repeat('a', 32), 'spot')$$,
    '23514', NULL, 'a code of 32 characters is refused');

SELECT function_privs_are('mdx', 'ensure_market', ARRAY['text', 'text'],
    'mdx_writer', ARRAY['EXECUTE'], 'mdx_writer may create markets');

SELECT * FROM finish();
ROLLBACK;
