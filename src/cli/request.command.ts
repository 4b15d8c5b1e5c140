// `madoguchi request list | show | assign | verify-identity | record-payment | waive-fee`: the
// main desk actions for automation (a bank-statement import that records payments, a night
// report of overdue requests). A request is named by its id or its reference. Every change
// runs through the same services as the staff API, with the system actor `cli`, so it is
// audited the same way. The work is in plain functions (runRequest…) that take a context, so
// tests and other entry points can call them.
import { Command, InvalidArgumentError, Option } from 'commander';
import { ZodError } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { Db } from '../db/database.ts';
import type { Actor } from '../domains/audit/audit.actions.ts';
import type { ListFilters, RequestDetail, RequestSummary } from '../domains/requests/desk.service.ts';
import type { TIdentityCheck } from '../domains/requests/identity-review.service.ts';
import { REQUEST_STATUSES, type RequestStatus } from '../domains/requests/request.ts';
import { AppError } from '../lib/errors.ts';
import { CliExit, withContext, type CliEnvironment } from './context.ts';

export const CLI_REQUEST_ACTOR: Actor = { type: 'system', id: 'cli' };

type Out = (line: string) => void;

const REFERENCE = /^R-\d{8}-[A-Z0-9]{6}$/i;

/** The id of the request named by `idOrReference`; `not_found` when there is none. */
export async function resolveRequestId(db: Db, idOrReference: string): Promise<string> {
  const value = idOrReference.trim();
  const row = REFERENCE.test(value)
    ? await db.selectFrom('requests').select('id').where('reference', '=', value.toUpperCase()).executeTakeFirst()
    : await db.selectFrom('requests').select('id').where('id', '=', value).executeTakeFirst();
  if (!row) throw new AppError('not_found', { details: [{ reason: 'request_not_found', message: 'no request has this id or reference' }] });
  return row.id;
}

function day(at: Date | null): string {
  return at ? at.toISOString().slice(0, 10) : '-';
}

function summaryJson(s: RequestSummary): Record<string, unknown> {
  // The person's name stays out of the list: lists end up in logs and reports.
  return {
    id: s.id,
    reference: s.reference,
    type: s.type,
    status: s.status,
    assigneeId: s.assigneeId,
    receivedAt: s.receivedAt.toISOString(),
    dueAt: s.dueAt.toISOString(),
    paused: s.paused,
    overdue: s.overdue,
    replyDueAt: s.replyDueAt?.toISOString() ?? null,
    feeStatus: s.feeStatus,
    closedReason: s.closedReason,
  };
}

export interface RequestListOptions {
  status?: RequestStatus[];
  overdue?: boolean;
  limit?: number;
  json?: boolean;
}

export async function runRequestList(ctx: AppContext, options: RequestListOptions, out: Out): Promise<RequestSummary[]> {
  const { listRequests, LIST_LIMIT_MAX } = await import('../domains/requests/desk.service.ts');
  const filters: ListFilters = {
    ...(options.status ? { status: options.status } : {}),
    ...(options.overdue ? { overdue: true } : {}),
    limit: options.limit ?? LIST_LIMIT_MAX,
  };
  const { requests } = await listRequests(ctx.db, ctx, filters);
  if (options.json) {
    out(JSON.stringify({ requests: requests.map(summaryJson) }, null, 2));
    return requests;
  }
  if (requests.length === 0) {
    out('No request matches.');
    return requests;
  }
  for (const r of requests) {
    const clock = r.paused ? 'paused' : `due ${day(r.dueAt)}${r.overdue ? ' OVERDUE' : ''}`;
    out(`${r.reference}  ${r.status.padEnd(18)} ${r.type.padEnd(27)} ${clock}  ${r.assigneeId ?? 'unassigned'}`);
  }
  out(`${requests.length} request${requests.length === 1 ? '' : 's'}.`);
  return requests;
}

function detailJson(d: RequestDetail): Record<string, unknown> {
  return {
    ...summaryJson(d),
    personName: d.personName,
    language: d.language,
    requesterKind: d.requesterKind,
    deliveryMethod: d.deliveryMethod,
    emailVerifiedAt: d.emailVerifiedAt?.toISOString() ?? null,
    escalationAt: d.escalationAt.toISOString(),
    identityVerifiedAt: d.identityVerifiedAt?.toISOString() ?? null,
    completedAt: d.completedAt?.toISOString() ?? null,
    retentionUntil: d.retentionUntil?.toISOString() ?? null,
    assignee: d.assignee,
    subject: d.subject,
    fee: d.fee,
    payments: d.payments.map((p) => ({ ...p, recordedAt: p.recordedAt.toISOString() })),
    documents: d.documents,
    actions: d.actions,
  };
}

export async function runRequestShow(ctx: AppContext, idOrReference: string, options: { json?: boolean }, out: Out): Promise<RequestDetail> {
  const { getRequestDetail } = await import('../domains/requests/desk.service.ts');
  const d = await getRequestDetail(ctx.db, ctx, await resolveRequestId(ctx.db, idOrReference));
  if (options.json) {
    out(JSON.stringify({ request: detailJson(d) }, null, 2));
    return d;
  }
  out(`${d.reference} (${d.id})`);
  out(`  type: ${d.type}, requested by ${d.requesterKind}, delivery ${d.deliveryMethod}, language ${d.language}`);
  out(`  status: ${d.status}${d.closedReason ? ` (${d.closedReason})` : ''}`);
  out(`  received ${d.receivedAt.toISOString()}, due ${d.dueAt.toISOString()}${d.paused ? ' (clock paused)' : ''}${d.overdue ? ' OVERDUE' : ''}`);
  if (d.replyDueAt) out(`  waiting on the requester until ${d.replyDueAt.toISOString()}`);
  out(`  assignee: ${d.assignee ? `${d.assignee.displayName} (${d.assignee.id})` : 'nobody'}`);
  out(`  person: ${d.subject ? d.subject.person.name : '(disposed of)'}`);
  out(`  fee: ${d.fee.status}${d.fee.askedYen === null ? '' : `, asked ¥${d.fee.askedYen}, paid ¥${d.fee.paidYen}`}`);
  out(`  documents: ${d.documents.received} held, ${d.documents.destroyed} destroyed`);
  out(`  possible next: ${d.actions.length > 0 ? d.actions.join(', ') : 'nothing (final)'}`);
  return d;
}

export async function runRequestAssign(ctx: AppContext, idOrReference: string, to: string, out: Out): Promise<void> {
  const { assignRequest } = await import('../domains/requests/desk.service.ts');
  const id = await resolveRequestId(ctx.db, idOrReference);
  let assigneeId: string | null = null;
  if (to !== 'none') {
    const staff = await ctx.db.selectFrom('staff').select('id').where('email', '=', to.trim().toLowerCase()).executeTakeFirst();
    if (!staff) throw new AppError('validation_failed', { details: [{ path: '--to', reason: 'not_assignable', message: 'no staff member has this email address' }] });
    assigneeId = staff.id;
  }
  const row = await assignRequest(ctx, id, assigneeId, CLI_REQUEST_ACTOR);
  out(`${row.reference}: ${assigneeId ? `assigned to ${assigneeId}` : 'unassigned'}.`);
}

export const CLI_DECISIONS = ['verified', 'more-documents', 'cannot-verify'] as const;
export const CLI_CHECKS = ['match', 'mismatch', 'not-shown'] as const;

export interface VerifyIdentityOptions {
  decision: (typeof CLI_DECISIONS)[number];
  name: (typeof CLI_CHECKS)[number];
  address: (typeof CLI_CHECKS)[number];
  dateOfBirth: (typeof CLI_CHECKS)[number];
  override?: string;
  message?: string;
  dueDays?: number;
  reason?: 'identity_unconfirmed' | 'agent_authority_unconfirmed';
}

function check(value: (typeof CLI_CHECKS)[number]): 'match' | 'mismatch' | 'not_shown' {
  return value === 'not-shown' ? 'not_shown' : value;
}

/** The CLI flags as the service's input; a missing flag the decision needs is a usage error. */
export function identityCheckFrom(options: VerifyIdentityOptions): TIdentityCheck {
  const checklist = { name: check(options.name), address: check(options.address), dateOfBirth: check(options.dateOfBirth) };
  switch (options.decision) {
    case 'verified':
      return { checklist, decision: { kind: 'verified', ...(options.override ? { overrideReason: options.override } : {}) } };
    case 'more-documents':
      if (!options.message) throw new InvalidArgumentError('--message is needed with --decision more-documents');
      return {
        checklist,
        decision: { kind: 'more_documents', message: options.message, ...(options.dueDays === undefined ? {} : { dueDays: options.dueDays }) },
      };
    case 'cannot-verify':
      if (!options.reason) throw new InvalidArgumentError('--reason is needed with --decision cannot-verify');
      return { checklist, decision: { kind: 'cannot_verify', reason: options.reason, ...(options.message ? { message: options.message } : {}) } };
  }
}

export async function runVerifyIdentity(ctx: AppContext, idOrReference: string, options: VerifyIdentityOptions, out: Out): Promise<void> {
  const { checkIdentity } = await import('../domains/requests/identity-review.service.ts');
  const id = await resolveRequestId(ctx.db, idOrReference);
  const result = await checkIdentity(ctx, id, identityCheckFrom(options), CLI_REQUEST_ACTOR);
  const fee = result.feeYen === null ? '' : `; fee of ¥${result.feeYen} asked`;
  out(`${result.request.reference}: ${result.request.status}${fee}${result.overridden ? ' (verified against the acceptance rule, reason recorded)' : ''}.`);
}

export async function runRecordPayment(
  ctx: AppContext,
  idOrReference: string,
  options: { amount: number; paidOn: string; reference: string; payer?: string },
  out: Out,
): Promise<void> {
  const { recordPayment } = await import('../domains/requests/fee.service.ts');
  const id = await resolveRequestId(ctx.db, idOrReference);
  const result = await recordPayment(
    ctx,
    id,
    { amountYen: options.amount, paidOn: options.paidOn, reference: options.reference, ...(options.payer ? { payerName: options.payer } : {}) },
    CLI_REQUEST_ACTOR,
  );
  out(
    result.settled
      ? `${result.request.reference}: paid ¥${result.paidYen}; the fee is settled and the request is ${result.request.status}.`
      : `${result.request.reference}: paid ¥${result.paidYen}; ¥${result.outstandingYen} still outstanding.`,
  );
}

export async function runWaiveFee(ctx: AppContext, idOrReference: string, reason: string, out: Out): Promise<void> {
  const { waiveFee } = await import('../domains/requests/fee.service.ts');
  const id = await resolveRequestId(ctx.db, idOrReference);
  const result = await waiveFee(ctx, id, { reason }, CLI_REQUEST_ACTOR);
  out(`${result.request.reference}: the fee is waived and the request is ${result.request.status}.`);
}

// ---------------------------------------------------------------------------------------
// Wiring

function parseStatuses(value: string): RequestStatus[] {
  const parts = value.split(',').map((s) => s.trim());
  const bad = parts.filter((s) => !(REQUEST_STATUSES as readonly string[]).includes(s));
  if (bad.length > 0) throw new InvalidArgumentError(`unknown status ${bad.join(', ')}; statuses are ${REQUEST_STATUSES.join(', ')}`);
  return parts as RequestStatus[];
}

function parseWhole(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

function parseDay(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidArgumentError('must be a date YYYY-MM-DD');
  }
  return value;
}

interface CommonFlags {
  dataDir?: string;
}

function overrides(flags: CommonFlags): { dataDir?: string } {
  return flags.dataDir === undefined ? {} : { dataDir: flags.dataDir };
}

/** Runs `fn` with a context; a refusal of the desk prints its code and details and exits 1. */
async function act(cli: CliEnvironment, flags: CommonFlags, fn: (ctx: AppContext) => Promise<unknown>): Promise<void> {
  try {
    await withContext(cli, overrides(flags), fn);
  } catch (err) {
    if (err instanceof AppError) {
      cli.err(`refused: ${err.code}: ${err.message}`);
      for (const d of err.details) cli.err(`  ${[d.path, d.reason, d.message].filter(Boolean).join(': ')}`);
      throw new CliExit(1);
    }
    if (err instanceof ZodError) {
      cli.err('refused: validation_failed');
      for (const i of err.issues.slice(0, 10)) cli.err(`  ${i.path.join('.') || 'input'}: ${i.message}`);
      throw new CliExit(1);
    }
    throw err;
  }
}

const dataDirOption = ['--data-dir <dir>', 'data directory (default MADOGUCHI_DATA_DIR or ./data)'] as const;
const checkOption = (flag: string, what: string) =>
  new Option(`${flag} <result>`, `how ${what} on the form compares with the documents`).choices(CLI_CHECKS).makeOptionMandatory();

export function registerRequestCommands(program: Command, cli: CliEnvironment): void {
  const request = program
    .command('request')
    .description('The request desk: list and show requests, assign them, record the identity check, payments and fee waivers (audited as the system actor "cli").');

  request
    .command('list')
    .description('List requests, soonest due first (no personal data in the list).')
    .option('--status <statuses>', 'only these statuses, separated by commas', parseStatuses)
    .option('--overdue', 'only open requests past their due day')
    .option('--limit <n>', 'at most this many (1–200, default 200)', parseWhole(1, 200))
    .option('--json', 'print JSON')
    .option(...dataDirOption)
    .action(async (flags: CommonFlags & RequestListOptions) => {
      await act(cli, flags, (ctx) => runRequestList(ctx, flags, cli.out));
    });

  request
    .command('show')
    .description('Show one request (by id or reference): status, clock, assignee, the person, fee and the actions possible now.')
    .argument('<id>', 'request id or reference (R-YYYYMMDD-XXXXXX)')
    .option('--json', 'print JSON, with the person’s details')
    .option(...dataDirOption)
    .action(async (id: string, flags: CommonFlags & { json?: boolean }) => {
      await act(cli, flags, (ctx) => runRequestShow(ctx, id, flags, cli.out));
    });

  request
    .command('assign')
    .description('Assign a request to a staff member who works requests (by email), or to nobody with --to none.')
    .argument('<id>', 'request id or reference')
    .requiredOption('--to <email>', 'the staff member’s email address, or "none"')
    .option(...dataDirOption)
    .action(async (id: string, flags: CommonFlags & { to: string }) => {
      await act(cli, flags, (ctx) => runRequestAssign(ctx, id, flags.to, cli.out));
    });

  request
    .command('verify-identity')
    .description(
      'Record the identity check of a request in identity review: the checklist and the decision. "verified" asks for the fee or starts work (refused while documents are missing or a field mismatches, unless --override gives the reason); "more-documents" needs --message; "cannot-verify" needs --reason and closes the request.',
    )
    .argument('<id>', 'request id or reference')
    .addOption(new Option('--decision <decision>', 'the decision').choices(CLI_DECISIONS).makeOptionMandatory())
    .addOption(checkOption('--name', 'the name'))
    .addOption(checkOption('--address', 'the address'))
    .addOption(checkOption('--date-of-birth', 'the date of birth'))
    .option('--override <reason>', 'verify although the acceptance rule or the checklist says otherwise, for this reason (kept internal)')
    .option('--message <text>', 'what the requester should send (more-documents), or a word with the closure (cannot-verify)')
    .option('--due-days <n>', 'days the requester has to send documents (default: the settings)', parseWhole(1, 90))
    .addOption(new Option('--reason <reason>', 'why identity cannot be verified').choices(['identity_unconfirmed', 'agent_authority_unconfirmed']))
    .option(...dataDirOption)
    .action(async (id: string, flags: CommonFlags & VerifyIdentityOptions) => {
      let input: VerifyIdentityOptions;
      try {
        identityCheckFrom(flags);
        input = flags;
      } catch (err) {
        if (err instanceof InvalidArgumentError) {
          cli.err(err.message);
          throw new CliExit(2);
        }
        throw err;
      }
      await act(cli, flags, (ctx) => runVerifyIdentity(ctx, id, input, cli.out));
    });

  request
    .command('record-payment')
    .description('Record a payment of the fee of a request awaiting it; when the fee is covered the request moves on to work.')
    .argument('<id>', 'request id or reference')
    .requiredOption('--amount <yen>', 'the amount received, in yen', parseWhole(1, 100_000))
    .requiredOption('--paid-on <date>', 'the day the money arrived (YYYY-MM-DD)', parseDay)
    .requiredOption('--reference <ref>', 'the transfer’s reference on the bank statement')
    .option('--payer <name>', 'the payer’s name as the statement shows it (kept encrypted)')
    .option(...dataDirOption)
    .action(async (id: string, flags: CommonFlags & { amount: number; paidOn: string; reference: string; payer?: string }) => {
      await act(cli, flags, (ctx) => runRecordPayment(ctx, id, flags, cli.out));
    });

  request
    .command('waive-fee')
    .description('Waive the outstanding fee of a request awaiting it; the request moves on to work.')
    .argument('<id>', 'request id or reference')
    .requiredOption('--reason <text>', 'why the fee is waived (kept internal)')
    .option(...dataDirOption)
    .action(async (id: string, flags: CommonFlags & { reason: string }) => {
      await act(cli, flags, (ctx) => runWaiveFee(ctx, id, flags.reason, cli.out));
    });
}
