'use strict';
// s3auth.js - the signature check s3rver lacks, in front of it.
//
// s3rver 3.7 verifies AWS Signature Version 2 only: a request signed with
// Version 4 passes whatever its signature (its authentication middleware
// says "Signature version 4 calculation is unimplemented").  This loopback
// proxy verifies every request the way S3 does before it hands it to
// s3rver: it recomputes the Version 4 signature with the aws4 package (an
// implementation independent of the client under test) over the headers
// the request says it signed, and answers S3's own errors, as XML, for
// what S3 refuses:
//
//   no Authorization, or not AWS4-HMAC-SHA256     400 InvalidRequest /
//                                                 403 AccessDenied
//   an access key it does not know                403 InvalidAccessKeyId
//   a credential scope for another region or      400 AuthorizationHeaderMalformed
//     service, or without host, x-amz-date and
//     x-amz-content-sha256 among SignedHeaders
//   an x-amz-date 15 minutes or more away         403 RequestTimeTooSkewed
//   a payload hash that is not the body's         400 XAmzContentSHA256Mismatch
//   no, or a wrong, x-amz-security-token when     403 InvalidToken
//     started with --session-token
//   any other signature                           403 SignatureDoesNotMatch
//
// With --slow-down N it answers the first N requests, signed right or not,
// 503 SlowDown, as S3 does under load, so that tests see retries.
//
//   node tests/mock/s3auth.js --port PORT --upstream PORT --access-key KEY
//       --secret SECRET [--region REGION] [--session-token TOKEN]
//       [--slow-down N] [--verbose 1]
//
// It listens on 127.0.0.1 only and exits 0 on SIGTERM or SIGINT.
const crypto = require('crypto');
const http = require('http');
const aws4 = require('../node/node_modules/aws4');

const opt = { region: 'us-east-1', slowDown: 0 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  opt[k.replace(/-([a-z])/g, (m, c) => c.toUpperCase())] = process.argv[i + 1];
}
for (const k of ['port', 'upstream', 'accessKey', 'secret']) {
  if (opt[k] === undefined) {
    process.stderr.write(`s3auth: --${k} is required\n`);
    process.exit(64);
  }
}

function xmlEscape(s) {
  return String(s).replace(/[<>&'"]/g, (c) =>
    ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
}

function refuse(req, res, status, code, message) {
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' +
    code + '</Code><Message>' + xmlEscape(message) + '</Message>' +
    '<Resource>' + xmlEscape(req.url.replace(/\?.*/, '')) + '</Resource>' +
    '<RequestId>s3auth</RequestId></Error>';
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': req.method === 'HEAD' ? 0 : Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

// Returns null when the request is signed right, else [status, code,
// message].
function check(req, body) {
  const h = req.headers;
  const auth = h.authorization;
  if (auth === undefined)
    return [403, 'AccessDenied', 'Access Denied'];
  if (!auth.startsWith('AWS4-HMAC-SHA256 '))
    return [400, 'InvalidRequest', 'The authorization mechanism you ' +
      'have provided is not supported. Please use AWS4-HMAC-SHA256.'];
  const parts = {};
  for (const p of auth.slice(17).split(',')) {
    const eq = p.indexOf('=');
    parts[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  if (!parts.Credential || !parts.SignedHeaders || !parts.Signature)
    return [400, 'AuthorizationHeaderMalformed', 'The authorization ' +
      'header is malformed; it requires Credential, SignedHeaders and ' +
      'Signature.'];
  const [akid, date, region, service, term] = parts.Credential.split('/');
  if (akid !== opt.accessKey)
    return [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you ' +
      'provided does not exist in our records.'];
  if (region !== opt.region)
    return [400, 'AuthorizationHeaderMalformed', 'The authorization ' +
      `header is malformed; the region '${region}' is wrong; expecting ` +
      `'${opt.region}'`];
  if (service !== 's3' || term !== 'aws4_request')
    return [400, 'AuthorizationHeaderMalformed', 'The authorization ' +
      'header is malformed; incorrect service or terminator in the ' +
      'credential scope.'];
  const signed = parts.SignedHeaders.split(';');
  for (const need of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!signed.includes(need) || h[need] === undefined)
      return [400, 'AuthorizationHeaderMalformed', 'The authorization ' +
        `header is malformed; ${need} must be signed.`];
  }
  const amzdate = h['x-amz-date'];
  if (!/^\d{8}T\d{6}Z$/.test(amzdate) || amzdate.slice(0, 8) !== date)
    return [400, 'AuthorizationHeaderMalformed', 'The authorization ' +
      'header is malformed; x-amz-date does not match the credential ' +
      'scope.'];
  const t = Date.UTC(+amzdate.slice(0, 4), +amzdate.slice(4, 6) - 1,
    +amzdate.slice(6, 8), +amzdate.slice(9, 11), +amzdate.slice(11, 13),
    +amzdate.slice(13, 15));
  if (Math.abs(Date.now() - t) >= 15 * 60 * 1000)
    return [403, 'RequestTimeTooSkewed', 'The difference between the ' +
      'request time and the current time is too large.'];
  const ph = h['x-amz-content-sha256'];
  if (ph !== 'UNSIGNED-PAYLOAD') {
    if (!/^[0-9a-f]{64}$/.test(ph))
      return [400, 'InvalidArgument', 'x-amz-content-sha256 must be ' +
        'UNSIGNED-PAYLOAD or a valid sha256 value.'];
    if (crypto.createHash('sha256').update(body).digest('hex') !== ph)
      return [400, 'XAmzContentSHA256Mismatch', 'The provided ' +
        "'x-amz-content-sha256' header does not match what was computed."];
  }
  if (opt.sessionToken !== undefined &&
      (!signed.includes('x-amz-security-token') ||
       h['x-amz-security-token'] !== opt.sessionToken))
    return [403, 'InvalidToken', 'The provided token is malformed or ' +
      'otherwise invalid.'];
  const headers = {};
  for (const name of signed)
    headers[name] = h[name] === undefined ? '' : h[name];
  const want = aws4.sign({
    method: req.method, host: h.host, path: req.url, headers,
    service: 's3', region: opt.region,
  }, { accessKeyId: opt.accessKey, secretAccessKey: opt.secret });
  const got = /Signature=([0-9a-f]+)/.exec(want.headers.Authorization);
  if (got === null || got[1] !== parts.Signature)
    return [403, 'SignatureDoesNotMatch', 'The request signature we ' +
      'calculated does not match the signature you provided. Check your ' +
      'key and signing method.'];
  return null;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    let why;
    try {
      if (opt.slowDown > 0) {
        opt.slowDown--;
        why = [503, 'SlowDown', 'Please reduce your request rate.'];
      } else
        why = check(req, body);
    } catch (e) {
      why = [400, 'InvalidRequest', 'cannot check the request: ' + e.message];
    }
    if (why !== null) {
      if (opt.verbose)
        process.stderr.write(`s3auth: ${req.method} ${req.url}: ${why[1]}\n`);
      refuse(req, res, why[0], why[1], why[2]);
      return;
    }
    const up = http.request({
      host: '127.0.0.1', port: opt.upstream, method: req.method,
      path: req.url, headers: req.headers,
    }, (ures) => {
      res.writeHead(ures.statusCode, ures.headers);
      ures.pipe(res);
    });
    up.on('error', (e) => {
      res.writeHead(502);
      res.end('s3auth: s3rver: ' + e.message);
    });
    up.end(body);
  });
});
server.listen(+opt.port, '127.0.0.1');
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => process.exit(0));
