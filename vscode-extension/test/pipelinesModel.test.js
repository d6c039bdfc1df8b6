'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { buildTree } = require('../out/pipelinesModel');

// Shaped like the etlAgent/pipelines response (the `etl-agent discover --format json` model).
const model = {
  transformations: [
    { name: 'Etl.LoadCustomer', kind: 'procedure', file: 'procs/LoadCustomer.sql', range: { startLine: 2, startColumn: 1 },
      reads: ['Dim.Customer', 'Staging.Customer'], writes: ['Dim.Customer'], calls: [] },
    { name: 'Etl.LoadSales', kind: 'procedure', file: 'procs/LoadSales.sql', range: { startLine: 5, startColumn: 1 },
      reads: ['Dim.Customer', 'Ext.Rates'], writes: ['Fact.Sales'], calls: [] },
  ],
  tables: [
    { name: 'Dim.Customer', file: 'tables/Dim.Customer.sql' },
    { name: 'Staging.Customer', file: 'tables/Staging.Customer.sql' },
    { name: 'Fact.Sales', file: 'tables/Fact.Sales.sql' },
  ],
  views: [],
  pipelines: [{ id: 'Etl.LoadCustomer', transformations: ['Etl.LoadCustomer', 'Etl.LoadSales'] }],
};

test('pipeline → transformation → reads/writes → table', () => {
  const [pipeline] = buildTree(model);
  assert.equal(pipeline.kind, 'pipeline');
  assert.equal(pipeline.label, 'Etl.LoadCustomer');
  assert.equal(pipeline.description, '2 transformations');
  const [load, sales] = pipeline.children;
  assert.equal(load.label, 'Etl.LoadCustomer');
  assert.deepEqual([load.file, load.line], ['procs/LoadCustomer.sql', 1], 'zero-based line of the header');
  assert.deepEqual(load.children.map((g) => [g.label, g.description]), [['Reads', '2'], ['Writes', '1']]);
  assert.deepEqual(load.children[0].children.map((t) => t.label), ['Dim.Customer', 'Staging.Customer']);
  assert.equal(sales.children[1].children[0].label, 'Fact.Sales');
});

test('a table opens its CREATE TABLE file; one outside the workspace says so', () => {
  const sales = buildTree(model)[0].children[1];
  const [dim, rates] = sales.children[0].children;
  assert.deepEqual([dim.file, dim.line], ['tables/Dim.Customer.sql', 0]);
  assert.equal(rates.file, undefined);
  assert.equal(rates.description, 'not in the workspace');
});

test('names are matched case-insensitively and unknown transformations are dropped', () => {
  const tree = buildTree({ ...model, pipelines: [{ id: 'p', transformations: ['Etl.LoadCustomer', 'Etl.Gone'] }],
    tables: [{ name: 'dim.customer', file: 'x.sql' }] });
  assert.equal(tree[0].children.length, 1);
  assert.equal(tree[0].children[0].children[0].children[0].file, 'x.sql');
});

test('an empty workspace gives an empty tree', () => {
  assert.deepEqual(buildTree({ transformations: [], tables: [], pipelines: [] }), []);
});
