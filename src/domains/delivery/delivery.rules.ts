// When a download link works, and when its holder is reminded that it is about to stop working.
// A link works until its expiry, for its number of downloads, unless staff revoked it; paper
// answers have no link. The reminder goes once, two days ahead, to someone who has not
// downloaded yet, and only for links that live longer than that window (a one-day link would
// otherwise be "about to expire" the moment it is sent).
import { DAY_MS } from '../../lib/clock.ts';

export const EXPIRY_WARNING_MS = 2 * DAY_MS;

export type LinkState = 'active' | 'expired' | 'used_up' | 'revoked' | 'paper';

export interface LinkFacts {
  method: 'electronic' | 'paper';
  expiresAt: Date | null;
  maxDownloads: number;
  downloads: number;
  revokedAt: Date | null;
}

export function linkExpiresAt(createdAt: Date, downloadLinkDays: number): Date {
  return new Date(createdAt.getTime() + downloadLinkDays * DAY_MS);
}

export function linkState(d: LinkFacts, now: Date): LinkState {
  if (d.method === 'paper') return 'paper';
  if (d.revokedAt !== null) return 'revoked';
  if (d.expiresAt === null || d.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (d.downloads >= d.maxDownloads) return 'used_up';
  return 'active';
}

export function shouldWarnOfExpiry(d: LinkFacts & { createdAt: Date; expiryWarnedAt: Date | null }, now: Date): boolean {
  if (linkState(d, now) !== 'active' || d.expiresAt === null) return false;
  if (d.downloads > 0 || d.expiryWarnedAt !== null) return false;
  if (d.expiresAt.getTime() - d.createdAt.getTime() <= EXPIRY_WARNING_MS) return false;
  return d.expiresAt.getTime() - now.getTime() <= EXPIRY_WARNING_MS;
}
