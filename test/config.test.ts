import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, resolveConfig, SETTINGS } from '../src/config.js';

describe('resolveConfig', () => {
  test('documented defaults: 127.0.0.1:8080, ./data, SQLite, development auth, 20 connectors', () => {
    const config = resolveConfig({}, {});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, './data');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.authMode, 'development');
    assert.equal(config.maxConnectorsPerTenant, 20);
    assert.equal(config.https, false);
  });

  test('flags win over the environment, which wins over defaults', () => {
    const env = { PORT: '9000', HOST: '0.0.0.0', DATA_DIR: '/srv/data', HTTPS: 'true' };
    const config = resolveConfig({ port: '9100' }, env);
    assert.equal(config.port, 9100);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.dataDir, '/srv/data');
    assert.equal(config.https, true);
    assert.equal(resolveConfig({ https: true }, {}).https, true);
    assert.equal(resolveConfig({}, { PORT: '' }).port, 8080, 'an empty variable means unset');
  });

  test('bad values are refused with the variable and the flag named', () => {
    assert.throws(
      () => resolveConfig({}, { PORT: 'eighty' }),
      (e: unknown) => e instanceof ConfigError && /PORT \(--port\)/.test(e.message),
    );
    assert.throws(() => resolveConfig({}, { MAX_CONNECTORS_PER_TENANT: '-1' }), ConfigError);
    assert.throws(() => resolveConfig({}, { HTTPS: 'maybe' }), ConfigError);
    assert.throws(() => resolveConfig({}, { AUTH_MODE: 'open' }), /development, production/);
    assert.throws(() => resolveConfig({}, { DECODE_NICE: '20' }), /DECODE_NICE \(--decode-nice\) must be at most 19/);
    assert.equal(resolveConfig({}, { DECODE_NICE: '19' }).decodeNice, 19);
  });

  test('every setting has an environment variable, a flag and a description, all distinct', () => {
    assert.equal(new Set(SETTINGS.map((s) => s.env)).size, SETTINGS.length);
    assert.equal(new Set(SETTINGS.map((s) => s.flag)).size, SETTINGS.length);
    for (const setting of SETTINGS) assert.ok(setting.description.length > 10, setting.env);
  });

  test("the README's configuration table lists every setting with its flag", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const setting of SETTINGS) {
      assert.ok(readme.includes(`\`${setting.env}\``), `README lacks ${setting.env}`);
      assert.ok(readme.includes(`\`${setting.flag}`), `README lacks ${setting.flag}`);
    }
  });
});
