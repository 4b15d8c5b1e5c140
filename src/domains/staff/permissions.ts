// Who may do what. Each permission is a named predicate over the actor's role, checked in
// one place per route (`requirePermission`). Auditors read everything and change nothing;
// system owners see only the manual tasks of their own systems (checked by the domain that
// owns those tasks, on top of the permission here).
import type { StaffRole } from '../../config/config.ts';

export const PERMISSIONS = {
  'staff.read': ['admin', 'privacy_officer', 'auditor'],
  'staff.manage': ['admin'],
  'api_keys.read': ['admin', 'auditor'],
  'api_keys.manage': ['admin'],
  'audit.read': ['admin', 'privacy_officer', 'auditor'],
  'audit.export': ['admin', 'privacy_officer', 'auditor'],
  'mailbox.read': ['admin'],
  'jobs.read': ['admin', 'auditor'],
  'organization.read': ['admin', 'privacy_officer', 'handler', 'auditor'],
  'organization.manage': ['admin', 'privacy_officer'],
  'self.read': ['admin', 'privacy_officer', 'handler', 'auditor', 'system_owner'],
} as const satisfies Record<string, readonly StaffRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: StaffRole, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly StaffRole[]).includes(role);
}
