// The dashboard in a real browser (Debian's chromium, driven by playwright-core): every page
// loads without a console error and is saved as a screenshot; a prediction made on the
// Predict page is the API's answer to the same request; an event posted to the API shows on
// the Live page; the Pipeline page draws the DAG and starts a run whose task log it shows.
// Usage: node ui-test.mjs URL ARTIFACT_DIR REQUEST_JSON   (exits 1 on a failure)
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [url, outDir, requestJson] = process.argv.slice(2);
const request = JSON.parse(requestJson);
mkdirSync(outDir, { recursive: true });
const failures = [];
const fail = (m) => { failures.push(m); console.log('FAIL ' + m); };

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
const errors = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', (e) => errors.push(e.message));

async function settle() {
  await page.waitForFunction(() => !document.querySelector('.loading'), null, { timeout: 15000 });
}

for (const name of ['live', 'predict', 'model', 'data', 'pipeline']) {
  errors.length = 0;
  await page.goto(`${url}/#${name}`);
  try {
    await settle();
  } catch (e) {
    fail(`${name}: still loading after 15 s`);
  }
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${outDir}/${name}.png`, fullPage: true });
  const shown = await page.$$eval('.error', (els) => els.map((e) => e.textContent));
  if (shown.length) fail(`${name}: shows errors: ${shown.join(' | ')}`);
  if (errors.length) fail(`${name}: console errors: ${errors.join(' | ')}`);
  const active = await page.$eval('nav a.active', (a) => a.dataset.page);
  if (active !== name) fail(`${name}: the nav marks ${active}`);
  console.log(`ok ${name}`);
}

// Data: a drift column's two distributions, drawn on a click
await page.goto(`${url}/#data`);
await settle();
await page.click('section.panel table tr.click');
const distBars = await page.$$eval('#distribution svg rect', (r) => r.length);
if (distBars < 2) fail('data: no distribution drawn for the drift column');
else console.log(`ok data: a drift column's distributions (${distBars} bars)`);

// Predict: the form's answer against the API's
await page.goto(`${url}/#predict`);
await settle();
for (const [k, v] of Object.entries(request)) await page.fill(`#by-key input[name=${k}]`, String(v));
await page.click('#by-key button[type=submit]');
await page.waitForSelector('#prediction[data-probability]', { timeout: 15000 });
const shown = Number(await page.$eval('#prediction', (e) => e.dataset.probability));
const api = await (await fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request) })).json();
if (!(Math.abs(shown - api.probability) < 1e-9)) fail(`predict: the page shows ${shown}, the API answers ${api.probability}`);
else console.log(`ok predict: ${shown} = the API's`);
const bars = await page.$$eval('svg.waterfall rect', (r) => r.length);
if (bars < 3) fail('predict: no waterfall');
await settle();
await page.screenshot({ path: `${outDir}/predict-made.png`, fullPage: true });

// Live: an event posted to the API moves the page
await page.goto(`${url}/#live`);
await settle();
const session = `ui-${Date.now()}`;
const ev = { event_id: session, ts: Date.now(), visitor_id: 'ui-visitor', session_id: session, event: 'view', item_id: request.item_id || 'ui-item' };
const posted = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ev) });
if (posted.status !== 200) fail(`live: posting the event answered ${posted.status}`);
try {
  await page.waitForFunction((s) => document.body.textContent.includes(s), session, { timeout: 10000 });
  console.log('ok live: the posted event\'s session is on the page');
} catch (e) {
  fail('live: the posted event never showed');
}
await page.screenshot({ path: `${outDir}/live-moved.png`, fullPage: true });

// Pipeline: the DAG in the last run's colours; Run now starts a run, a task's row its log
await page.goto(`${url}/#pipeline`);
await settle();
const boxes = await page.$$eval('svg.dag g[data-task]', (gs) => gs.map((g) => g.dataset.state));
if (boxes.length !== 8 || boxes.some((st) => st !== 'success')) fail(`pipeline: the DAG's boxes: ${boxes.join(',')}`);
const before = await page.$$eval('section.panel:nth-of-type(3) tbody tr', (r) => r.length);
await page.fill('input[name=only]', 'check');
await page.check('input[name=force]');
await page.click('#run-now');
try {
  await page.waitForFunction((n) => document.querySelectorAll('section.panel:nth-of-type(3) tbody tr').length > n &&
    !document.body.textContent.includes('running now'), before, { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('section.panel:nth-of-type(3) tbody tr td:nth-child(2)').textContent === 'success', null, { timeout: 15000 });
  await page.click('section.panel:nth-of-type(4) tbody tr:has(td:first-child:text-is("check"))');
  await page.waitForSelector('pre.log', { timeout: 10000 });
  const log = await page.$eval('pre.log', (e) => e.textContent);
  if (!log.includes('try 1 of 1')) fail(`pipeline: the log shown: ${log.slice(0, 200)}`);
  else console.log('ok pipeline: a run started from the page, its task log shown');
} catch (e) {
  fail(`pipeline: the run from the page: ${e.message}`);
}
await page.screenshot({ path: `${outDir}/pipeline-run.png`, fullPage: true });
if (errors.length) fail(`console errors at the end: ${errors.join(' | ')}`);

await browser.close();
process.exit(failures.length ? 1 : 0);
