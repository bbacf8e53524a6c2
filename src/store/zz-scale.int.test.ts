import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, test } from 'vitest';
import { createTestDatabase } from '../../test/helpers/database.js';
import { backupDatabase } from './backup.js';
import { restoreDatabase } from './restore.js';

test('scale', async () => {
  const s = await createTestDatabase();
  let t0 = Date.now();
  await sql`insert into site (id, name) values ('VCU', 'x')`.execute(s.db);
  await sql`insert into subject (study_id, site_id, seq, status, enrolled_on, date_shift_days, protocol_id, protocol_version)
    select 'VCU-' || n, 'VCU', n, 'treated', date '2026-01-01', 3, 'p', '1' from generate_series(1, 100000) n`.execute(s.db);
  await sql`insert into response (site_id, study_id, visit, instrument, instrument_version, protocol_version, answers, status, entered_by, entered_by_kind)
    select site_id, study_id, v, 'odi', '1', '1', jsonb_build_object('a', 1, 'b', 2, 'c', 'three', 'd', 4.5), 'complete', 'x', 'staff' from subject, unnest(array['baseline','week2','week4','week12','week24','week52','procedure']) v`.execute(s.db);
  console.log('fill', Date.now() - t0);
  const dir = await mkdtemp(join(tmpdir(), 'scale-'));
  const rss0 = process.memoryUsage().rss;
  let peak = 0;
  const tick = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
  t0 = Date.now();
  const b = await backupDatabase(s.db, join(dir, 'b.gz'));
  console.log('backup', Date.now() - t0, b.tables);
  const d = await createTestDatabase();
  t0 = Date.now();
  await restoreDatabase(d.db, join(dir, 'b.gz'));
  console.log('restore', Date.now() - t0, 'rss0', rss0 >> 20, 'peak', peak >> 20);
  clearInterval(tick);
  expect(1).toBe(1);
  await s.destroy(); await d.destroy();
}, 600_000);
