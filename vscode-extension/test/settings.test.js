'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { serverLaunch, initializationOptions, traceLevel, statusText } = require('../out/settings');

test('the bundled server runs on dotnet from the extension folder', () => {
  const launch = serverLaunch({}, '/ext', path.posix.join);
  assert.deepEqual(launch, { command: 'dotnet', args: ['/ext/server/EtlAgent.LanguageServer.dll'], origin: 'bundled' });
});

test('a server .dll from settings runs on the configured dotnet host', () => {
  const launch = serverLaunch({ serverPath: ' /opt/etl/EtlAgent.LanguageServer.dll ', dotnetPath: '/usr/share/dotnet/dotnet' }, '/ext', path.posix.join);
  assert.deepEqual(launch, { command: '/usr/share/dotnet/dotnet', args: ['/opt/etl/EtlAgent.LanguageServer.dll'], origin: 'settings' });
});

test('a native server executable from settings starts as is', () => {
  const launch = serverLaunch({ serverPath: '/opt/etl/etl-agent-server' }, '/ext', path.posix.join);
  assert.deepEqual(launch, { command: '/opt/etl/etl-agent-server', args: [], origin: 'settings' });
});

test('an empty server path or dotnet path falls back to the defaults', () => {
  const launch = serverLaunch({ serverPath: '  ', dotnetPath: '' }, '/ext', path.posix.join);
  assert.equal(launch.command, 'dotnet');
  assert.equal(launch.origin, 'bundled');
});

test('initialization options carry globs and a valid compatibility level only', () => {
  assert.deepEqual(initializationOptions({ include: ['sql/**', ''], exclude: ['**/archive/**'], compatibilityLevel: 150 }),
    { include: ['sql/**'], exclude: ['**/archive/**'], compatibilityLevel: 150 });
  assert.deepEqual(initializationOptions({ compatibilityLevel: 99 }), { include: [], exclude: [] });
  assert.deepEqual(initializationOptions({ compatibilityLevel: null }), { include: [], exclude: [] });
});

test('trace levels outside the enum mean off', () => {
  assert.equal(traceLevel('verbose'), 'verbose');
  assert.equal(traceLevel('messages'), 'messages');
  assert.equal(traceLevel('loud'), 'off');
  assert.equal(traceLevel(undefined), 'off');
});

test('the status bar shows indexing progress, then files and findings', () => {
  assert.match(statusText({ state: 'indexing', percentage: 40 }), /indexing 40%/);
  assert.match(statusText({ state: 'ready', files: 12, findings: 1 }), /12 files · 1 finding$/);
  assert.match(statusText({ state: 'ready', files: 12, findings: 3 }), /3 findings$/);
});
