import { z } from 'zod';
import { humanName } from '../../core/human-name.ts';

/**
 * The request bodies of the role endpoints. Permissions are checked by the role flows: their shape by the engine
 * (LIFT_PERMISSION_INVALID), then against the declared catalog (`admin/role-flows.ts`).
 */

const permissions = z.array(z.string().min(1).max(200)).max(200);
/** Role ids, or names. */
const inherits = z.array(z.string().min(1).max(200)).max(50);
const name = humanName({ max: 100 });
const description = z.string().max(1000).nullable();

export const roleBody = z.object({
  name,
  description: description.optional(),
  permissions: permissions.default([]),
  inherits: inherits.default([]),
});

export const rolePatchBody = z.object({
  name: name.optional(),
  description: description.optional(),
  permissions: permissions.optional(),
  inherits: inherits.optional(),
});

export const roleIdParams = z.object({ roleId: z.string().min(1).max(200) });

export const tenantRoleParams = z.object({
  tenantId: z.string().min(1).max(200),
  roleId: z.string().min(1).max(200),
});
