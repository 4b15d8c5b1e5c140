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
  'policies.read': ['admin', 'privacy_officer', 'handler', 'auditor'],
  'policies.manage': ['admin', 'privacy_officer'],
  'self.read': ['admin', 'privacy_officer', 'handler', 'auditor', 'system_owner'],
  // System owners read only the systems they own (narrowed by the inventory routes).
  'inventory.read': ['admin', 'privacy_officer', 'handler', 'auditor', 'system_owner'],
  'inventory.manage': ['admin', 'privacy_officer'],
  // The request desk. Handlers work requests; the officer also decides and approves;
  // auditors read. Opening identity documents is its own permission (each opening audited).
  'requests.read': ['admin', 'privacy_officer', 'handler', 'auditor'],
  'requests.work': ['admin', 'privacy_officer', 'handler'],
  'requests.documents': ['admin', 'privacy_officer', 'handler'],
  'requests.decide': ['admin', 'privacy_officer'],
  'connections.read': ['admin', 'privacy_officer', 'auditor'],
  'connections.manage': ['admin'],
  'fulfillment.run': ['admin', 'privacy_officer', 'handler'],
  'consent.read': ['admin', 'privacy_officer', 'handler', 'auditor'],
  'consent.manage': ['admin', 'privacy_officer'],
} as const satisfies Record<string, readonly StaffRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

export function can(role: StaffRole, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly StaffRole[]).includes(role);
}

/** Every permission a role holds, in declaration order (the admin console shows or hides
 * its menus from this list; the server still checks each route). */
export function permissionsOf(role: StaffRole): Permission[] {
  return PERMISSION_NAMES.filter((p) => can(role, p));
}

/** A role that changes nothing: it may read what its permissions allow, never write. */
export function isReadOnlyRole(role: StaffRole): boolean {
  return permissionsOf(role).every((p) => p.endsWith('.read') || p === 'audit.export');
}
