// The staff pages as they render from their data (no database): names from the definitions, counts
// in the right number, grid cells that lead to their visit, enrolment's missing-data codes, and one
// error summary for every form.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { getInstrument } from '../instruments/index.js';
import { SACROPLASTY_SIF } from '../protocol/index.js';
import type { QueryView } from '../registry/index.js';
import type { GridPage as Grid, SiteDashboard } from '../registry/views/index.js';
import { EnrolPage, enrolItems } from './subjects/enrol-page.js';
import { DashboardPage } from './views/dashboard-page.js';
import { GridPage } from './views/grid-page.js';
import { QueriesPage, QueryPage } from './workflow/queries-page.js';

const html = (node: unknown) => String(node);
const visitLabels = new Map(SACROPLASTY_SIF.visits.map((v) => [v.code, v.label]));

const query: QueryView = {
  id: 7,
  siteId: 'VCU',
  studyId: 'VCU-0001',
  responseId: 11,
  visit: 'week2',
  instrument: 'pain',
  instance: 1,
  item: 'score',
  status: 'open',
  raisedBy: 'mo.monitor',
  raisedAt: '2026-03-02T10:00:00.000Z',
  assignedTo: null,
  messages: [
    {
      kind: 'raise',
      author: 'mo.monitor',
      at: '2026-03-02T10:00:00.000Z',
      text: 'Check',
      responseVersion: null,
    },
  ],
} as QueryView;

describe('queries name the form, the visit and the item in words', () => {
  const pain = getInstrument('pain');
  const itemLabel = pain.items.find((i) => i.id === 'score')?.label ?? '';

  test('the list shows the instrument title, the visit label and the item label, not codes', () => {
    const page = html(
      <QueriesPage queries={[query]} status="" mine={false} mineLabel="mine" visitLabels={visitLabels} />,
    );
    expect(page).toContain(`${pain.title} at Week 2`);
    expect(page).toContain(`<td>${itemLabel}</td>`);
    expect(page).not.toContain('pain at week2');
    expect(page).toContain('1 query,');
  });

  test('the query page names them in its breadcrumb and heading', () => {
    const page = html(
      <QueryPage
        query={query}
        visitLabels={visitLabels}
        currentValue="7"
        version={1}
        actions={{ answer: false, close: false, reopen: false }}
        failed={null}
        problem={null}
        notice={null}
      />,
    );
    expect(page).toContain(`${pain.title} at Week 2`);
    expect(page).toContain(`Query 7 on ${itemLabel}`);
    expect(page).not.toContain('pain at week2');
  });
});

const cell = {
  visit: 'week2',
  state: 'due',
  schedule: 'due',
  target: null,
  windowStart: null,
  windowEnd: null,
};
const grid = (total: number): Grid =>
  ({
    visits: [{ code: 'week2', label: 'Week 2' }],
    rows: [
      { studyId: 'VCU-0001', siteId: 'VCU', status: 'active', indexDate: null, nextDue: null, cells: [cell] },
    ],
    total,
    page: 1,
    pageSize: 50,
    pages: 1,
    query: { state: null, visit: null, sort: 'study_id' },
  }) as unknown as Grid;

describe('counts say their noun in the right number', () => {
  test.each([
    [1, '1 participant,'],
    [2, '2 participants,'],
  ])('the grid with %i subject(s)', (n, text) => {
    expect(html(<GridPage grid={grid(n)} />)).toContain(text);
  });

  test('the dashboard counts one overdue visit, one open query, one patient', () => {
    const d = {
      siteId: 'VCU',
      siteName: 'VCU',
      enrolment: [],
      completeness: [],
      kpis: [],
      untreated: 1,
      openQueries: 1,
      unsignedForms: 1,
      overdueVisits: 1,
    } as unknown as SiteDashboard;
    const page = html(<DashboardPage dashboards={[d]} visitLabels={visitLabels} />);
    expect(page).toContain('1 overdue visit<');
    expect(page).toContain('1 open query<');
    expect(page).toContain('1 unsigned procedure or adverse event<');
    expect(page).toContain('1 patient with no bone medication');
  });
});

test('each grid cell is a link to its visit page', () => {
  expect(html(<GridPage grid={grid(1)} />)).toMatch(
    /<td><a href="\/subjects\/VCU-0001\/visits\/week2"><span class="state state-due">Due<\/span><\/a>/,
  );
});

describe('enrolment offers missing-data codes for its optional items', () => {
  const def = getInstrument('enrollment');
  const items = enrolItems(def);
  const page = html(<EnrolPage siteId="VCU" def={def} values={{ 'm.sex': 'declined' }} issues={[]} />);

  test.each(items.filter((i) => !i.required).map((i) => [i.id]))('%s has its m.<item> select', (id) => {
    expect(page).toContain(`name="m.${id}"`);
  });
  test.each(items.filter((i) => i.required).map((i) => [i.id]))('required %s has none', (id) => {
    expect(page).not.toContain(`name="m.${id}"`);
  });
  test('a code sent is shown again', () => {
    expect(page).toMatch(/<option value="declined" selected="">/);
  });
});

test('the error summary and the messages beside a field are written once, in src/web/error-summary.tsx', () => {
  const root = import.meta.dirname;
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.tsx') && !f.endsWith('.test.tsx'),
  );
  const writing = (pattern: RegExp) =>
    files.filter((f) => pattern.test(readFileSync(path.join(root, f), 'utf8'))).sort();
  expect(writing(/class="error-summary"/)).toEqual(['error-summary.tsx']);
  expect(writing(/class="field-error" id=/)).toEqual(['error-summary.tsx']);
});
