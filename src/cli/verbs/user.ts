import { parseVerbArgs, UsageError } from '../args.js';
import { readAll } from '../io.js';
import type { Verb } from '../verb.js';

export const USER: Verb = {
  name: 'user',
  help: `Usage: sifreg user add --username U --role R [--site S] --password-stdin [--data-dir DIR]

Roles: admin, coordinator, investigator (these two need --site), monitor, statistician.
The password (at least 12 characters) is read from standard input and stored as an argon2id hash.`,
  async run(args, io) {
    const { values, positionals } = parseVerbArgs(
      args,
      {
        username: { type: 'string' },
        role: { type: 'string' },
        site: { type: 'string' },
        'password-stdin': { type: 'boolean' },
      },
      1,
    );
    if (positionals[0] !== 'add') throw new UsageError('user needs the sub-command "add"');
    if (!values.username) throw new UsageError('--username is required');
    if (!values.role) throw new UsageError('--role is required');
    if (!values['password-stdin'])
      throw new UsageError('--password-stdin is required (passwords never go on the command line)');
    const password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
    const { openRegistry } = await import('../open-registry.js');
    const { addUser, SYSTEM_ACTOR } = await import('../../registry/index.js');
    const registry = await openRegistry(io, { dataDir: values['data-dir'] as string | undefined });
    try {
      await addUser(registry.deps, SYSTEM_ACTOR, {
        username: values.username as string,
        role: values.role as never,
        siteId: (values.site as string | undefined) ?? null,
        password,
      });
      io.stdout.write(
        `user ${values.username} added (${values.role}${values.site ? ` at ${values.site}` : ''})\n`,
      );
      return 0;
    } finally {
      await registry.close();
    }
  },
};

export const SITE: Verb = {
  name: 'site',
  help: `Usage: sifreg site add --code CODE --name NAME [--data-dir DIR]

CODE is 2–12 capital letters or digits (it prefixes the site's study ids, e.g. VCU-0007).`,
  async run(args, io) {
    const { values, positionals } = parseVerbArgs(
      args,
      { code: { type: 'string' }, name: { type: 'string' } },
      1,
    );
    if (positionals[0] !== 'add') throw new UsageError('site needs the sub-command "add"');
    if (!values.code) throw new UsageError('--code is required');
    if (!values.name) throw new UsageError('--name is required');
    const { openRegistry } = await import('../open-registry.js');
    const { createSite, SYSTEM_ACTOR } = await import('../../registry/index.js');
    const registry = await openRegistry(io, { dataDir: values['data-dir'] as string | undefined });
    try {
      await createSite(registry.deps, SYSTEM_ACTOR, {
        id: values.code as string,
        name: values.name as string,
      });
      io.stdout.write(`site ${values.code} added\n`);
      return 0;
    } finally {
      await registry.close();
    }
  },
};
