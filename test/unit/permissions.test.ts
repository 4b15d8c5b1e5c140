import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { STAFF_ROLES } from '../../src/config/config.ts';
import { can, isReadOnlyRole, PERMISSION_NAMES, permissionsOf } from '../../src/domains/staff/permissions.ts';

describe('permissions', () => {
  test('only administrators manage staff and API keys', () => {
    for (const role of STAFF_ROLES) {
      assert.equal(can(role, 'staff.manage'), role === 'admin', role);
      assert.equal(can(role, 'api_keys.manage'), role === 'admin', role);
    }
  });

  test('handlers and system owners cannot see the staff list; auditors and privacy officers can', () => {
    assert.equal(can('handler', 'staff.read'), false);
    assert.equal(can('system_owner', 'staff.read'), false);
    assert.equal(can('auditor', 'staff.read'), true);
    assert.equal(can('privacy_officer', 'staff.read'), true);
  });

  test('auditors read and export, and change nothing', () => {
    assert.equal(isReadOnlyRole('auditor'), true);
    assert.ok(permissionsOf('auditor').includes('audit.export'));
    assert.equal(isReadOnlyRole('admin'), false);
    assert.equal(isReadOnlyRole('privacy_officer'), false);
  });

  test('everyone signed in may read their own session', () => {
    for (const role of STAFF_ROLES) assert.ok(can(role, 'self.read'), role);
  });

  test('permissionsOf lists exactly what can() allows', () => {
    for (const role of STAFF_ROLES) {
      assert.deepEqual(
        permissionsOf(role),
        PERMISSION_NAMES.filter((p) => can(role, p)),
      );
    }
  });
});
