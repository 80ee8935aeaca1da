import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/errors.js';
import { parseCreate, parseUpdate, parseUpload, validateTargetUrl } from '../../src/connectors/validation.js';

const basic = { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'u', password: 'p' };
const valid = { displayName: 'Test API', targetUrl: 'https://someapi.com/api', authenticationConfiguration: basic };

function rejects(fn: () => unknown, status: number, code: string, messagePart: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ApiError, `expected ApiError, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.equal(error.code, code);
    assert.match(error.message, messagePart);
    return true;
  });
}

describe('parseCreate', () => {
  test('accepts the documented basic example, @odata.type with or without #', () => {
    assert.deepEqual(parseCreate(valid).authentication, { kind: 'basic', username: 'u', password: 'p' });
    const noHash = {
      ...valid,
      authenticationConfiguration: { ...basic, '@odata.type': 'microsoft.graph.basicAuthentication' },
    };
    assert.equal(parseCreate(noHash).authentication.kind, 'basic');
  });

  test('accepts pkcs12Certificate with an empty password ("" is how Graph spells no password)', () => {
    const body = {
      ...valid,
      authenticationConfiguration: {
        '@odata.type': '#microsoft.graph.pkcs12Certificate',
        pkcs12Value: 'AAAA',
        password: '',
      },
    };
    assert.deepEqual(parseCreate(body).authentication, { kind: 'pkcs12', pkcs12Value: 'AAAA', password: '' });
  });

  test('requires displayName, targetUrl and authenticationConfiguration', () => {
    for (const key of ['displayName', 'targetUrl', 'authenticationConfiguration'] as const) {
      const body: Record<string, unknown> = { ...valid };
      delete body[key];
      rejects(() => parseCreate(body), 400, 'Request_BadRequest', new RegExp(`'${key}' is required`));
    }
  });

  test('refuses unknown properties, naming them and the type', () => {
    rejects(
      () => parseCreate({ ...valid, colour: 'red' }),
      400,
      'Request_BadRequest',
      /'colour' does not exist on type 'microsoft.graph.identityApiConnector'/,
    );
    rejects(
      () => parseCreate({ ...valid, authenticationConfiguration: { ...basic, extra: 1 } }),
      400,
      'Request_BadRequest',
      /'extra' does not exist on type 'microsoft.graph.basicAuthentication'/,
    );
  });

  test('refuses wrong types instead of coercing them', () => {
    rejects(
      () => parseCreate({ ...valid, displayName: 42 }),
      400,
      'Request_BadRequest',
      /'displayName' must be a string/,
    );
    rejects(() => parseCreate([valid]), 400, 'Request_BadRequest', /must be a JSON object/);
    rejects(() => parseCreate(null), 400, 'BadRequest', /body is empty/);
  });

  test('enforces displayName bounds', () => {
    rejects(() => parseCreate({ ...valid, displayName: '   ' }), 400, 'Request_BadRequest', /must not be empty/);
    rejects(() => parseCreate({ ...valid, displayName: 'x'.repeat(257) }), 400, 'Request_BadRequest', /at most 256/);
    assert.equal(parseCreate({ ...valid, displayName: 'x'.repeat(256) }).displayName.length, 256);
  });

  test('refuses a client-chosen id, a missing or unknown @odata.type, and the read-only clientCertificateAuthentication', () => {
    rejects(() => parseCreate({ ...valid, id: 'abc' }), 400, 'Request_BadRequest', /assigned by the service/);
    rejects(
      () => parseCreate({ ...valid, authenticationConfiguration: { username: 'u', password: 'p' } }),
      400,
      'Request_BadRequest',
      /must declare '@odata.type'/,
    );
    rejects(
      () => parseCreate({ ...valid, authenticationConfiguration: { '@odata.type': '#microsoft.graph.oauth' } }),
      400,
      'Request_BadRequest',
      /Unsupported '@odata.type'/,
    );
    rejects(
      () =>
        parseCreate({
          ...valid,
          authenticationConfiguration: {
            '@odata.type': '#microsoft.graph.clientCertificateAuthentication',
            certificateList: [],
          },
        }),
      400,
      'Request_BadRequest',
      /read-only/,
    );
  });

  test('basic auth needs a username without ":" and a non-empty password', () => {
    rejects(
      () => parseCreate({ ...valid, authenticationConfiguration: { ...basic, username: 'a:b' } }),
      400,
      'Request_BadRequest',
      /must not contain ':'/,
    );
    rejects(
      () => parseCreate({ ...valid, authenticationConfiguration: { ...basic, password: '' } }),
      400,
      'Request_BadRequest',
      /'password' must not be empty/,
    );
  });
});

describe('validateTargetUrl', () => {
  test('https anywhere; http only for loopback hosts', () => {
    for (const ok of [
      'https://api.contoso.com/x?code=abc',
      'http://localhost:7071/api',
      'http://127.0.0.1/x',
      'http://[::1]:8080/',
      'http://api.localhost/',
    ]) {
      assert.equal(validateTargetUrl(ok), ok);
    }
    rejects(() => validateTargetUrl('http://api.contoso.com/'), 400, 'Request_BadRequest', /must use https/);
    rejects(() => validateTargetUrl('ftp://api.contoso.com/'), 400, 'Request_BadRequest', /must be an https URL/);
    rejects(() => validateTargetUrl('/relative'), 400, 'Request_BadRequest', /absolute URL/);
    rejects(
      () => validateTargetUrl('https://user:secret@api.contoso.com/'),
      400,
      'Request_BadRequest',
      /must not contain credentials/,
    );
  });
});

describe('parseUpdate and parseUpload', () => {
  test('PATCH is partial; the id may be repeated but not changed', () => {
    assert.deepEqual(parseUpdate({ displayName: 'New' }, 'id-1'), { displayName: 'New' });
    assert.deepEqual(parseUpdate({ id: 'id-1' }, 'id-1'), {});
    rejects(() => parseUpdate({ id: 'id-2' }, 'id-1'), 400, 'Request_BadRequest', /cannot be changed/);
    rejects(() => parseUpdate({ displayName: null }, 'id-1'), 400, 'Request_BadRequest', /'displayName' is required/);
  });

  test('upload needs pkcs12Value and password, nothing else', () => {
    assert.deepEqual(parseUpload({ pkcs12Value: 'AA', password: '' }), { pkcs12Value: 'AA', password: '' });
    rejects(() => parseUpload({ pkcs12Value: 'AA' }), 400, 'Request_BadRequest', /'password' is required/);
    rejects(() => parseUpload({ password: 'x' }), 400, 'Request_BadRequest', /'pkcs12Value' is required/);
    rejects(() => parseUpload({ pkcs12Value: 123, password: '' }), 400, 'Request_BadRequest', /must be a string/);
    rejects(
      () => parseUpload({ pkcs12Value: 'AA', password: '', x: 1 }),
      400,
      'Request_BadRequest',
      /'x' does not exist on type 'microsoft.graph.uploadClientCertificate'/,
    );
  });
});
