// `madoguchi staff create`, `madoguchi keys generate|rotate` and `madoguchi mail test`:
// administration from the command line, for first set-up and automation.
import { Command, InvalidArgumentError } from 'commander';
import { STAFF_ROLES, type StaffRole } from '../config/config.ts';
import { AppError } from '../lib/errors.ts';
import { CliExit, withContext, type CliEnvironment } from './context.ts';

function parseRole(value: string): StaffRole {
  if (!(STAFF_ROLES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`must be one of ${STAFF_ROLES.join(', ')}`);
  }
  return value as StaffRole;
}

/** An AppError from a use case becomes a one-line message and exit code 1. */
function explain(cli: CliEnvironment, err: unknown): never {
  if (err instanceof AppError) {
    const detail = err.details.map((d) => [d.path, d.message ?? d.reason].filter(Boolean).join(': ')).join('; ');
    cli.err(`madoguchi: ${err.message}${detail ? ` (${detail})` : ''}`);
    throw new CliExit(1);
  }
  throw err;
}

export function registerAdminCommands(program: Command, cli: CliEnvironment): void {
  const staff = program.command('staff').description('Manage staff accounts.');
  staff
    .command('create')
    .description('Create a staff account and print a one-time link (valid 72 hours) on which its owner chooses a password.')
    .requiredOption('--email <email>', 'the staff member’s email address (their sign-in name)')
    .requiredOption('--role <role>', `one of ${STAFF_ROLES.join(', ')}`, parseRole)
    .option('--name <name>', 'display name')
    .action(async (flags: { email: string; role: StaffRole; name?: string }) => {
      await withContext(cli, {}, async (ctx) => {
        const { createStaff } = await import('../domains/staff/staff.service.ts');
        try {
          const created = await createStaff(
            ctx,
            { email: flags.email, role: flags.role, displayName: flags.name },
            { type: 'system', id: 'cli:staff-create' },
          );
          cli.out(`Created ${created.staff.role} ${created.staff.email}.`);
          cli.out(`One-time link to set the password (expires ${created.setupLinkExpiresAt}):`);
          cli.out(`  ${created.setupLink}`);
        } catch (err) {
          explain(cli, err);
        }
      });
    });

  const keys = program.command('keys').description('Master keys for the encryption of stored personal data.');
  keys
    .command('generate')
    .description('Print a new random master key (base64), for MADOGUCHI_MASTER_KEY. Nothing is stored.')
    .action(async () => {
      const { generateMasterKey } = await import('../domains/keys/keys.service.ts');
      cli.out(generateMasterKey().key);
    });
  keys
    .command('rotate')
    .description(
      'Re-wrap every data key under a new master key (embedded mode: generated into the key file) or under MADOGUCHI_MASTER_KEY (with MADOGUCHI_PREVIOUS_MASTER_KEYS holding the old ones). Stored objects are not touched.',
    )
    .action(async () => {
      await withContext(cli, {}, async (ctx) => {
        const { rotateMasterKey } = await import('../domains/keys/keys.service.ts');
        try {
          const report = await rotateMasterKey(ctx, {
            actor: { type: 'system', id: 'cli:keys-rotate' },
            onProgress: (done: number) => cli.err(`  re-wrapped ${done} data keys…`),
          });
          cli.out(`Re-wrapped ${report.rewrapped} data key(s) under master key ${report.toKeyId}.`);
          if (report.retiredKeyIds.length > 0) cli.out(`Retired from the key file: ${report.retiredKeyIds.join(', ')}`);
          if (report.removableKeyIds.length > 0) {
            cli.out(`No data key needs these any more; remove them from MADOGUCHI_PREVIOUS_MASTER_KEYS: ${report.removableKeyIds.join(', ')}`);
          }
        } catch (err) {
          explain(cli, err);
        }
      });
    });

  const mail = program.command('mail').description('Outgoing email.');
  mail
    .command('test')
    .description('Queue a test email and try to deliver it now (without SMTP it lands in the development mailbox).')
    .requiredOption('--to <email>', 'recipient')
    .option('--lang <lang>', 'ja or en', 'ja')
    .action(async (flags: { to: string; lang: string }) => {
      if (flags.lang !== 'ja' && flags.lang !== 'en') {
        cli.err('madoguchi: --lang must be ja or en');
        throw new CliExit(2);
      }
      const language = flags.lang;
      await withContext(cli, {}, async (ctx) => {
        const { sendTestEmail } = await import('../domains/mail/mail.service.ts');
        try {
          const sent = await sendTestEmail(ctx, { to: flags.to, language });
          cli.out(`Test email ${sent.id}: ${sent.result.status} (${sent.mode === 'smtp' ? 'SMTP' : 'development mailbox'}).`);
        } catch (err) {
          explain(cli, err);
        }
      });
    });
}
