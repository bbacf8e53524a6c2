// The study report as PDF: the self-contained HTML printed to A4 by Debian's Chromium through
// playwright-core (a runtime dependency), which is loaded only when a PDF is asked for.
import { existsSync } from 'node:fs';
import { RegistryError } from '../errors.js';

/** Where Chromium is looked for when neither the option nor CHROMIUM_PATH names it. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Chromium flags: headless, no sandbox (containers run as root), nothing that reaches the network. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export interface PdfOptions {
  /** Chromium executable; default `CHROMIUM_PATH` or /usr/bin/chromium. */
  executablePath?: string;
}

const UNAVAILABLE = 'PDF needs Chromium: apt-get install -y chromium (or set CHROMIUM_PATH)';

// Page numbers in the bottom margin; Chromium fills the pageNumber / totalPages spans.
const FOOTER = `<div style="width:100%;font:7.5pt Helvetica,Arial,sans-serif;color:#555;text-align:center;">
<span class="pageNumber"></span> / <span class="totalPages"></span></div>`;

/** The Chromium executable the PDF renderer will use. */
export function chromiumPath(opts: PdfOptions = {}): string {
  return opts.executablePath ?? process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM;
}

type Playwright = typeof import('playwright-core');

async function loadPlaywright(): Promise<Playwright> {
  try {
    return await import('playwright-core');
  } catch {
    throw new RegistryError('PDF_UNAVAILABLE', `${UNAVAILABLE}; playwright-core is not installed`);
  }
}

/**
 * Prints report HTML to an A4 PDF with backgrounds (the KPI bands) and page numbers. Network
 * requests are refused, so a report that tried to load anything would show it missing.
 * @throws RegistryError PDF_UNAVAILABLE when Chromium or playwright-core is missing or will not start.
 */
export async function renderReportPdf(html: string, opts: PdfOptions = {}): Promise<Buffer> {
  const executablePath = chromiumPath(opts);
  if (!existsSync(executablePath)) throw new RegistryError('PDF_UNAVAILABLE', UNAVAILABLE);
  const { chromium } = await loadPlaywright();
  let browser: Awaited<ReturnType<Playwright['chromium']['launch']>>;
  try {
    browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], headless: true });
  } catch {
    throw new RegistryError('PDF_UNAVAILABLE', `${UNAVAILABLE}; ${executablePath} did not start`);
  }
  try {
    const page = await browser.newPage();
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      preferCSSPageSize: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: FOOTER,
    });
    return Buffer.from(pdf);
  } finally {
    await browser.close();
  }
}
