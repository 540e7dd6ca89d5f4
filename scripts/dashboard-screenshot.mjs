// Opens the Aspire dashboard's metrics page for the Autograd.Cluster meter's loss in headless Chromium, checks that
// the loss curve is drawn (a plotted line of several points, tagged with a job id), and saves a screenshot; then opens
// one train.step trace and checks that its spans (forward/backward, gradient averaging, optimizer update) come from
// more than one silo, saving <out>-trace.png beside it.
//   node scripts/dashboard-screenshot.mjs <dashboard login URL> <out.png>
// PLAYWRIGHT_PREFIX: the npm prefix holding playwright-core; CHROMIUM: the browser (default /usr/bin/chromium).
import { createRequire } from 'node:module';
import path from 'node:path';

const [login, out] = process.argv.slice(2);
if (!login || !out) {
  console.error('usage: node dashboard-screenshot.mjs <dashboard login URL> <out.png>');
  process.exit(2);
}

const require = createRequire(path.join(process.env.PLAYWRIGHT_PREFIX ?? process.cwd(), 'node_modules', '/'));
const { chromium } = require('playwright-core');
const dashboard = new URL(login).origin;
// The silo replicas' resource group: the coordinator of the job may run on either replica.
const metrics = `${dashboard}/metrics/resource/silo?meter=Autograd.Cluster&instrument=autograd.training.loss&duration=5&view=Graph`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(login);
  await page.waitForURL(url => !url.pathname.startsWith('/login'), { timeout: 30_000 });
  await page.goto(metrics);

  // Plotly draws each series as a path of M/L commands in the scatter layer; wait until the loss has several points.
  const line = page.locator('.scatterlayer path.js-line').first();
  let points = 0;
  for (let attempt = 0; attempt < 30 && points < 3; attempt++) {
    await page.waitForTimeout(1000);
    const d = (await line.count()) > 0 ? await line.getAttribute('d') : null;
    points = d ? (d.match(/[ML]/g) ?? []).length : 0;
  }
  const body = await page.innerText('body');
  await page.screenshot({ path: out });

  const problems = [];
  if (!body.includes('autograd.training.loss')) problems.push('the page does not name autograd.training.loss');
  if (!/autograd\.job\s+[0-9a-f]{32}/.test(body)) problems.push('no autograd.job filter with a job id (no tagged loss point arrived)');
  if (points < 3) problems.push(`the loss line has ${points} point(s)`);
  if (problems.length > 0) {
    console.error(`dashboard-screenshot: no loss curve at ${metrics}: ${problems.join('; ')} (screenshot: ${out})`);
    process.exitCode = 1;
  } else {
    console.log(`dashboard-screenshot: loss curve with ${points} points on ${metrics}; screenshot ${out}`);
  }

  // The traces list names each trace "<resource>: <root span>"; open the latest step's trace.
  const traceOut = out.replace(/\.png$/, '') + '-trace.png';
  await page.goto(`${dashboard}/traces`);
  const step = page.getByText(/train\.step/).first();
  await step.waitFor({ timeout: 30_000 });
  await step.click();
  await page.waitForURL(url => url.pathname.startsWith('/traces/detail/'), { timeout: 30_000 });
  await page.getByText('train.optimizer_update').first().waitFor({ timeout: 30_000 });
  const trace = await page.innerText('body');
  await page.screenshot({ path: traceOut });
  const resources = Number((/Resources\s+(\d+)/.exec(trace) ?? [])[1] ?? 0);
  const missing = ['train.forward_backward', 'train.gradient_averaging', 'train.optimizer_update'].filter(name => !trace.includes(name));
  if (resources < 2 || missing.length > 0) {
    console.error(`dashboard-screenshot: the step trace spans ${resources} resource(s)${missing.length ? `, lacks ${missing.join(', ')}` : ''} (screenshot: ${traceOut})`);
    process.exitCode = 1;
  } else {
    console.log(`dashboard-screenshot: a train.step trace over ${resources} silos with forward/backward, averaging and update spans; screenshot ${traceOut}`);
  }
} finally {
  await browser.close();
}
