import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseVerbArgs, printable, UsageError } from '../args.js';
import type { Verb } from '../verb.js';

const SUBCOMMANDS = ['install', 'list', 'language', 'template'];

export const SITE_TEXT: Verb = {
  name: 'site-text',
  help: `Usage: sifreg site-text install --site CODE --kind catalog|odi --lang LANG FILE [--licence TEXT]
       sifreg site-text list [--site CODE]
       sifreg site-text language --site CODE --lang LANG
       sifreg site-text template

The texts of a site's patient (ePRO) pages, installed by an administrator (docs/epro.md, "Language"):
  install   a message catalog (kind catalog: a JSON object with exactly the keys of the English
            catalog, each a text keeping its {placeholders}) or the site's licensed ODI wording
            (kind odi: {"<section id>": [six statements, 0 to 5], ...} for the ten sections; --licence
            is required and names the licence the site holds). Replaces the live text of that site,
            kind and language; every problem is one line naming the key or section.
  list      the live texts (site, kind, language, licence, who installed them and when).
  language  the language of the site's patient pages: en, or one with an installed catalog.
  template  prints the English catalog as a catalog file is written (what a translator starts from).
LANG is a code such as es, fil or pt-BR.`,
  async run(args, io) {
    const { values, positionals } = parseVerbArgs(
      args,
      {
        site: { type: 'string' },
        kind: { type: 'string' },
        lang: { type: 'string' },
        licence: { type: 'string' },
      },
      2,
    );
    const sub = positionals[0];
    if (!sub || !SUBCOMMANDS.includes(sub))
      throw new UsageError(`site-text needs a sub-command: ${SUBCOMMANDS.join(', ')}`);
    if (sub !== 'install' && positionals[1] !== undefined)
      throw new UsageError(`unexpected argument "${positionals[1]}"`);
    if (sub === 'template') {
      const { EN_CATALOG } = await import('../../web/epro/messages.js');
      io.stdout.write(`${JSON.stringify(EN_CATALOG, null, 2)}\n`);
      return 0;
    }
    const site = values.site as string | undefined;
    const lang = values.lang as string | undefined;
    let text = '';
    if (sub === 'install') {
      if (!site) throw new UsageError('--site is required');
      if (!values.kind) throw new UsageError('--kind is required (catalog or odi)');
      if (!lang) throw new UsageError('--lang is required');
      const file = positionals[1];
      if (!file) throw new UsageError('the text FILE (JSON) is required');
      try {
        text = await readFile(path.resolve(io.cwd, file), 'utf8');
      } catch (error) {
        const why =
          (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
        throw new UsageError(`cannot read ${file}: ${why}`);
      }
    }
    if (sub === 'language') {
      if (!site) throw new UsageError('--site is required');
      if (!lang) throw new UsageError('--lang is required');
    }
    const { openRegistry } = await import('../open-registry.js');
    const reg = await import('../../registry/index.js');
    const registry = await openRegistry(io, {
      dataDir: values['data-dir'] as string | undefined,
      protocol: values.protocol as string | undefined,
    });
    try {
      const deps = registry.deps;
      if (sub === 'install') {
        const kind = values.kind as string;
        const done = await reg.installSiteText(deps, reg.SYSTEM_ACTOR, {
          siteId: site as string,
          kind: kind as 'catalog',
          language: lang as string,
          text,
          licence: (values.licence as string | undefined) ?? null,
        });
        const what = kind === 'odi' ? 'ODI wording' : 'catalog';
        io.stdout.write(
          `site-text: ${lang} ${what} installed for ${site}${done.replaced ? ' (replaces the previous one)' : ''}\n`,
        );
      } else if (sub === 'language') {
        await reg.setSiteLanguage(deps, reg.SYSTEM_ACTOR, site as string, lang as string);
        io.stdout.write(`site-text: ${site} patient pages in ${lang}\n`);
      } else {
        const rows = await reg.listSiteTexts(deps, reg.SYSTEM_ACTOR, site);
        if (rows.length === 0) io.stdout.write('site-text: no texts installed\n');
        for (const r of rows) {
          const licence = r.licence ? `  licence: ${printable(r.licence)}` : '';
          io.stdout.write(
            `${r.siteId}\t${r.kind}\t${r.language}\t${r.installedAt.toISOString()}\t${r.installedBy}${licence}\n`,
          );
        }
      }
      return 0;
    } finally {
      await registry.close();
    }
  },
};
