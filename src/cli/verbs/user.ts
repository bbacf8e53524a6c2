import { RegistryError } from '../../errors.js';
import { parseVerbArgs, UsageError } from '../args.js';
import { readAll } from '../io.js';
import type { Verb } from '../verb.js';

/**
 * A use case's VALIDATION_FAILED in the command's own words: one line, each problem named by the
 * option it came from (`--site`, not the internal field `siteId`), never repeated below it.
 */
async function asOptions<T>(work: Promise<T>, options: Readonly<Record<string, string>>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!(error instanceof RegistryError) || error.code !== 'VALIDATION_FAILED' || error.issues.length === 0)
      throw error;
    const problems = error.issues.map((issue) => {
      const field = String(issue.path[0] ?? '');
      // zod issues carry "field: message"; the message alone already says what is wrong.
      const message = issue.message.startsWith(`${issue.path.join('.')}: `)
        ? issue.message.slice(issue.path.join('.').length + 2)
        : issue.message;
      const option = options[field];
      return option ? `${message} (${option})` : message;
    });
    throw new RegistryError('VALIDATION_FAILED', [...new Set(problems)].join('; '));
  }
}

export const USER: Verb = {
  name: 'user',
  help: `Usage: sifreg user add --username U --role R [--site S] --password-stdin [--data-dir DIR]

Roles: admin, coordinator, investigator (these two need --site), monitor, statistician.
The password is read from standard input and stored as an argon2id hash. It needs at least 12
characters (a phrase of unrelated words is best) and is refused when it is common or breached,
repeats a few characters, is a keyboard or alphabet sequence, or contains the username.`,
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
    const registry = await openRegistry(io, {
      dataDir: values['data-dir'] as string | undefined,
      protocol: values.protocol as string | undefined,
    });
    try {
      await asOptions(
        addUser(registry.deps, SYSTEM_ACTOR, {
          username: values.username as string,
          role: values.role as never,
          siteId: (values.site as string | undefined) ?? null,
          password,
        }),
        { username: '--username', role: '--role', siteId: '--site', password: 'standard input' },
      );
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
    const registry = await openRegistry(io, {
      dataDir: values['data-dir'] as string | undefined,
      protocol: values.protocol as string | undefined,
    });
    try {
      await asOptions(
        createSite(registry.deps, SYSTEM_ACTOR, {
          id: values.code as string,
          name: values.name as string,
        }),
        { id: '--code', name: '--name' },
      );
      io.stdout.write(`site ${values.code} added\n`);
      return 0;
    } finally {
      await registry.close();
    }
  },
};
