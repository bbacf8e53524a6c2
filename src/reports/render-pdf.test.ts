import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { sampleReport } from '../../test/fixtures/sample-report.js';
import { RegistryError } from '../errors.js';
import { renderReportHtml } from './render-html.js';
import { chromiumPath, renderReportPdf } from './render-pdf.js';

const chromium = chromiumPath();
const hasChromium = existsSync(chromium);

/** Pages in a PDF: Chromium writes one `/Type /Page` object per page (not compressed into object streams). */
function pageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
}

describe('renderReportPdf', () => {
  test.skipIf(!hasChromium)(
    `prints the sample report to a multi-page A4 PDF (skipped only when ${chromium} is missing: apt-get install -y chromium)`,
    async () => {
      const pdf = await renderReportPdf(renderReportHtml(sampleReport()), { executablePath: chromium });
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(pageCount(pdf)).toBeGreaterThan(2);
      // A4 is 595 × 842 points.
      expect(pdf.toString('latin1')).toMatch(/\/MediaBox\s*\[\s*0 0 59[45]\.\d* 84[12]\.\d*\s*\]/);
    },
    60_000,
  );

  test('fails with PDF_UNAVAILABLE and the install hint when Chromium is not there', async () => {
    const missing = '/nonexistent/chromium-for-sifreg-test';
    const err = await renderReportPdf('<!doctype html><p>x</p>', { executablePath: missing }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).code).toBe('PDF_UNAVAILABLE');
    expect((err as RegistryError).status).toBe(503);
    expect((err as RegistryError).message).toBe(
      'PDF needs Chromium: apt-get install -y chromium (or set CHROMIUM_PATH)',
    );
  });

  test('uses CHROMIUM_PATH when no executable is passed, and the Debian path otherwise', () => {
    const saved = process.env.CHROMIUM_PATH;
    try {
      process.env.CHROMIUM_PATH = '/opt/chromium/chrome';
      expect(chromiumPath()).toBe('/opt/chromium/chrome');
      expect(chromiumPath({ executablePath: '/x/chromium' })).toBe('/x/chromium');
      delete process.env.CHROMIUM_PATH;
      expect(chromiumPath()).toBe('/usr/bin/chromium');
    } finally {
      if (saved === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = saved;
    }
  });
});
